import Crypto
import Link

/// The fixed parties of every run: a station and a card with fixed static and ephemeral keys, so that the genuine
/// handshake, and so every input's meaning, is the same in every run and on replay. For each MTU and rekey setting
/// an input may pick, the handshake is run once here, through the real machines, and the machines are kept on
/// either side of it: a run copies them (they are values) instead of paying for the X25519 it does not test.
struct SecureLinkFixture {
    static let mtus = [23, 24, 50, 185, 247, 517]
    static let info = LinkInfo()
    static let stationStatic = key(0x11)
    static let cardStatic = key(0x22)
    static let otherStationStatic = key(0x55)
    static let stationKey = Array(stationStatic.publicKey.rawRepresentation)

    /// The records either side seals under one key before it rekeys, and the longest it keeps a sending key.
    struct Rekeying: Hashable {
        var interval: UInt64
        var period: Duration
    }

    static let rekeyings = [
        Rekeying(interval: LinkSecurity.defaultRekeyInterval, period: LinkSecurity.defaultRekeyPeriod),
        Rekeying(interval: 3, period: LinkSecurity.defaultRekeyPeriod),
        Rekeying(interval: LinkSecurity.defaultRekeyInterval, period: .seconds(1)),
        Rekeying(interval: 2, period: .milliseconds(700)),
    ]

    static let all: [SecureLinkFixture] = mtus.flatMap { mtu in rekeyings.map { SecureLinkFixture(mtu: mtu, rekeying: $0) } }

    let mtu: Int
    let rekeying: Rekeying
    let fragmentSize: Int
    /// The station's genuine message 1, as fragments, and the station once it has sent it.
    let message1: [[UInt8]]
    let stationAwaitingResponse: LinkCentralStateMachine
    /// When that station gives up on message 2.
    let stationHandshakeDeadline: Duration?
    /// The card's genuine message 2 to that message 1, and the card and the station with the channel open.
    let message2: [[UInt8]]
    let cardOpen: LinkPeripheralStateMachine
    let stationOpen: LinkCentralStateMachine

    private init(mtu: Int, rekeying: Rekeying) {
        self.mtu = mtu
        self.rekeying = rekeying
        guard let fragmentSize = try? Self.info.fragmentSize(forMTU: mtu) else { fatalError("MTU \(mtu) has no fragment size") }
        self.fragmentSize = fragmentSize
        var station = LinkCentralStateMachine()
        let connected = Self.expect { () throws(LinkError) in
            try station.connect(info: Self.info, mtu: mtu, security: Self.stationSecurity(rekeying), now: .zero)
        }
        message1 = Self.sent(connected)
        stationHandshakeDeadline = connected.compactMap { if case .armTimer(let deadline) = $0 { deadline } else { nil } }.last
        stationAwaitingResponse = station
        // The station's genuine peer: it must not give up on a station that the input keeps waiting (the card's
        // handshake deadline is the card run's to exercise).
        var card = LinkPeripheralStateMachine(info: Self.info, configuration: .init(handshakeTimeout: .seconds(1 << 40)))
        _ = Self.expect { () throws(LinkError) in
            try card.connect(mtu: mtu, security: Self.cardSecurity(rekeying, paired: true, acceptsPairing: false), now: .zero)
        }
        message2 = Self.sent(message1.flatMap { card.receive(fragment: $0, now: .zero) })
        cardOpen = card
        let opened = message2.flatMap { station.receive(fragment: $0, now: .zero) }
        guard opened.contains(.channelOpen) else { fatalError("the fixture's station did not open its channel: \(opened)") }
        stationOpen = station
    }

    static func stationSecurity(_ rekeying: Rekeying) -> LinkSecurity {
        .station(
            staticKey: stationStatic, cardKey: cardStatic.publicKey, ephemeralKey: key(0x33),
            rekeyInterval: rekeying.interval, rekeyPeriod: rekeying.period
        )
    }

    /// The card's keys; an unpaired card knows another station, not this one.
    static func cardSecurity(_ rekeying: Rekeying, paired: Bool, acceptsPairing: Bool) -> LinkSecurity {
        let known = paired ? stationKey : Array(otherStationStatic.publicKey.rawRepresentation)
        return .card(
            staticKey: cardStatic, pairedStations: [known], acceptsPairing: acceptsPairing, ephemeralKey: key(0x44),
            rekeyInterval: rekeying.interval, rekeyPeriod: rekeying.period
        )
    }

    /// The fragments of the one `.send` among `actions`.
    private static func sent(_ actions: [LinkCentralAction]) -> [[UInt8]] {
        only(actions.compactMap { if case .send(let fragments) = $0 { fragments } else { nil } })
    }

    private static func sent(_ actions: [LinkPeripheralAction]) -> [[UInt8]] {
        only(actions.compactMap { if case .send(let fragments) = $0 { fragments } else { nil } })
    }

    private static func only(_ batches: [[[UInt8]]]) -> [[UInt8]] {
        guard batches.count == 1, let batch = batches.first else { fatalError("the fixture's handshake sent \(batches.count) batches") }
        return batch
    }

    private static func expect<T>(_ body: () throws(LinkError) -> T) -> T {
        do {
            return try body()
        } catch {
            fatalError("the fixture's machines refused to connect: \(error.code) \(error.detail)")
        }
    }

    private static func key(_ byte: UInt8) -> Curve25519.KeyAgreement.PrivateKey {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32)) else {
            fatalError("X25519 refused a 32-byte private key")
        }
        return key
    }
}
