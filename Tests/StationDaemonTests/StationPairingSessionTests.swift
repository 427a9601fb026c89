import BusTesting
import CardCrypto
import Crypto
import EventLoop
import Link
import Pairing
import PivlinkTesting
@testable import StationDaemon
import Testing

/// StationPairingSession against a card's ceremony (`PairingStateMachine`, role card) through the real link
/// machines: the station's `LinkCentralStateMachine` on a `.stationPairing` connection, the card's
/// `LinkPeripheralStateMachine` in pairing mode (`LinkSecurity.card(…, acceptsPairing: true)`), fragments pumped
/// between them at a small MTU.
@Suite struct StationPairingSessionTests {
    /// Both sides of one connection; each call delivers everything its actions send, depth first.
    final class Wire {
        var central = LinkCentralStateMachine()
        var peripheral = LinkPeripheralStateMachine()
        var card: PairingStateMachine
        var session: StationPairingSession?
        var cardCode: PairingCode?
        var cardPaired: PairingPublicKey?
        var cardFailure: PairingError?
        var stationResult: Result<PairingPublicKey, PairingError>?

        init(card: PairingStateMachine) {
            self.card = card
        }

        func fromCentral(_ actions: [LinkCentralAction]) {
            for action in actions {
                switch action {
                case .send(let fragments):
                    for fragment in fragments { fromPeripheral(peripheral.receive(fragment: fragment, now: .zero)) }
                case .pairingMessage(let bytes):
                    session?.receive(bytes)
                case .deliver, .progress, .fail, .channelOpen, .channelFailed, .armTimer, .disarmTimer:
                    break
                }
            }
        }

        func fromPeripheral(_ actions: [LinkPeripheralAction]) {
            for action in actions {
                switch action {
                case .send(let fragments):
                    for fragment in fragments { fromCentral(central.receive(fragment: fragment, now: .zero)) }
                case .pairingMessage(let bytes):
                    fromCard(card.receive(bytes, now: .zero))
                case .process, .cancelProcessing, .channelOpen, .channelFailed, .armTimer, .disarmTimer:
                    break
                }
            }
        }

        func fromCard(_ actions: [PairingAction]) {
            for action in actions {
                switch action {
                case .send(let bytes): fromPeripheral(peripheral.sendPairing(bytes, now: .zero))
                case .showCode(let code): cardCode = code
                case .paired(let key): cardPaired = key
                case .fail(let error): cardFailure = error
                case .armTimer: break
                }
            }
        }
    }

    let loop: EventLoop
    let stationKey = X25519KeyPair.generate(random: SeededRandom(seed: "station"))
    let cardKey = X25519KeyPair.generate(random: SeededRandom(seed: "card"))
    let wire: Wire

    init() throws {
        loop = try EventLoop()
        wire = Wire(card: PairingStateMachine(role: .card, staticKey: cardKey, random: SeededRandom(seed: "card nonce")))
        let cardStatic = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: cardKey.privateKey)
        wire.fromPeripheral(try wire.peripheral.connect(
            mtu: 23,
            security: .card(
                staticKey: cardStatic, pairedStations: [], acceptsPairing: true,
                ephemeralKey: Curve25519.KeyAgreement.PrivateKey()),
            now: .zero))
        wire.fromCentral(try wire.central.connect(info: wire.peripheral.info, mtu: 23, security: .stationPairing, now: .zero))
        let wire = wire
        wire.session = try StationPairingSession(
            staticKey: stationKey, random: SeededRandom(seed: "station nonce"), loop: loop, configuration: .init(),
            send: { bytes in wire.fromCentral(wire.central.sendPairing(bytes, now: .zero)) },
            finished: { wire.stationResult = $0 })
    }

    @Test func bothConfirmingTheSameCodePairsEachWithTheOthersKey() throws {
        let session = try #require(wire.session)
        session.start()
        let code = try #require(session.code)
        #expect(wire.cardCode == code)
        #expect(session.peer?.bytes == cardKey.publicKey)
        session.confirm(code)
        #expect(wire.stationResult == nil)
        wire.fromCard(wire.card.confirm(code: code))
        #expect(try wire.stationResult?.get().bytes == cardKey.publicKey)
        #expect(wire.cardPaired?.bytes == stationKey.publicKey)
    }

    @Test func confirmingAnotherCodeFailsBothSidesAndPairsNothing() throws {
        let session = try #require(wire.session)
        session.start()
        let code = try #require(session.code)
        let other = try PairingCode(parsing: code.digits == "000000" ? "000001" : "000000")
        session.confirm(other)
        guard case .failure(let error) = wire.stationResult else {
            Issue.record("the station did not fail: \(String(describing: wire.stationResult))")
            return
        }
        #expect(error.code == .codeMismatch)
        #expect(wire.cardFailure?.code == .abortedByPeer)
        #expect(wire.cardPaired == nil)
    }

    @Test func theCardsRejectionEndsTheStationsCeremony() throws {
        let session = try #require(wire.session)
        session.start()
        #expect(session.code != nil)
        wire.fromCard(wire.card.reject())
        guard case .failure(let error) = wire.stationResult else {
            Issue.record("the station did not fail: \(String(describing: wire.stationResult))")
            return
        }
        #expect(error.code == .abortedByPeer)
        // After the end nothing more is finished or sent.
        session.cancel()
        #expect(wire.cardFailure?.code == .rejected)
    }

    @Test func withoutAnAnswerTheMessageTimerEndsTheCeremony() throws {
        let session = try StationPairingSession(
            staticKey: stationKey, random: SeededRandom(seed: "lonely"), loop: loop,
            configuration: .init(messageTimeout: .milliseconds(50)), send: { _ in }, finished: { wire.stationResult = $0 })
        session.start()
        #expect(loop.run(until: { wire.stationResult != nil }, timeout: .seconds(5)))
        guard case .failure(let error) = wire.stationResult else {
            Issue.record("no timeout: \(String(describing: wire.stationResult))")
            return
        }
        #expect(error.code == .timeout)
    }
}
