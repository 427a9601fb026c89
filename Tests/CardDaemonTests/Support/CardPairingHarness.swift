import CardCrypto
import CardDaemon
import EventLoop
import Link
import Pairing
import PivlinkTesting

/// A card's pairing session on a real loop and store, reached by a station's ceremony (`PairingStateMachine`, role
/// station) through the real link machines: the station's `LinkCentralStateMachine` connected with
/// `.stationPairing`, the card's `LinkPeripheralStateMachine` in pairing mode. Fragments cross at once, in order.
final class CardPairingHarness {
    let fixture: CardStoreFixture
    let loop: EventLoop
    let stations: CardStations
    let session: CardPairingSession
    let stationKey = X25519KeyPair.generate(random: SeededRandom(seed: "station key"))
    private(set) var stationCeremony: PairingStateMachine
    private(set) var stationCode: PairingCode?
    private(set) var stationPaired: PairingPublicKey?
    private(set) var stationFailure: PairingError?
    private(set) var ceremonyEnds = 0
    private var card = LinkPeripheralStateMachine()
    private var station = LinkCentralStateMachine()

    init(paired: [PairingRecord] = []) throws {
        fixture = try CardStoreFixture()
        var pairings = CardPairings.generate(random: SeededRandom(seed: "card identity"))
        for record in paired {
            try pairings.addStation(record)
        }
        try fixture.create(CardStateDocument(state: try TestCardState.make(), pairings: pairings).encoded())
        loop = try EventLoop()
        stations = try CardStations(store: CredentialStateStore(directory: try fixture.open()), random: SeededRandom(seed: "unused"))
        session = try CardPairingSession(loop: loop, stations: stations, random: SeededRandom(seed: "Nr"), journal: Journal(identifier: "test"))
        stationCeremony = PairingStateMachine(role: .station, staticKey: stationKey, random: SeededRandom(seed: "Ni"))
        session.onCeremonyEnded = { [unowned self] in ceremonyEnds += 1 }
    }

    var stationPublicKey: PairingPublicKey {
        get throws { try PairingPublicKey(bytes: stationKey.publicKey) }
    }

    private var now: Duration { MonotonicInstant(microseconds: 0).duration(to: loop.now()) }

    /// Connects both link machines (the card in pairing mode only if the session accepts it) and starts the
    /// station's ceremony.
    func connectAndStart() throws {
        _ = try card.connect(
            mtu: 185,
            security: .card(
                staticKey: stations.linkStaticKey, pairedStations: stations.pairedKeys,
                acceptsPairing: session.acceptsPairing, ephemeralKey: .init()),
            now: now)
        stationActions(try station.connect(info: card.info, mtu: 185, security: .stationPairing, now: now))
        ceremonyActions(stationCeremony.start(now: now))
    }

    func stationConfirms(_ code: PairingCode) {
        ceremonyActions(stationCeremony.confirm(code: code))
    }

    private func cardActions(_ actions: [LinkPeripheralAction]) {
        for action in actions {
            switch action {
            case .send(let fragments):
                for fragment in fragments { stationActions(station.receive(fragment: fragment, now: now)) }
            case .pairingMessage(let message):
                let accepted = session.receive(message) { [unowned self] answer in
                    cardActions(card.sendPairing(answer, now: now))
                }
                if !accepted { cardActions(card.connectionLost(now: now)) }
            default:
                break
            }
        }
    }

    private func stationActions(_ actions: [LinkCentralAction]) {
        for action in actions {
            switch action {
            case .send(let fragments):
                for fragment in fragments { cardActions(card.receive(fragment: fragment, now: now)) }
            case .pairingMessage(let message):
                ceremonyActions(stationCeremony.receive(message, now: now))
            default:
                break
            }
        }
    }

    private func ceremonyActions(_ actions: [PairingAction]) {
        for action in actions {
            switch action {
            case .send(let message): stationActions(station.sendPairing(message, now: now))
            case .showCode(let code): stationCode = code
            case .paired(let key): stationPaired = key
            case .fail(let error): stationFailure = error
            case .armTimer: break
            }
        }
    }
}
