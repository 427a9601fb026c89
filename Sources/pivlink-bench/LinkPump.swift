import Crypto
@_spi(Plaintext) import Link

/// The station's and the card's link machines back to back in this process, carrying APDUs to a card: each
/// fragment one machine sends is handed to the other at once, at the ATT MTU given, with no Bluetooth and no
/// waiting. A `CardTransport`, so that `PIVClient` runs the same chains and GET RESPONSEs over it as over the
/// other paths. The two modes differ only in the `LinkSecurity` each `connect` hands the machines: the Noise IK
/// channel with fresh ephemeral keys, or `LinkSecurity.plaintext`, which exists for this comparison.
///
/// No timer ever fires: every exchange ends within microseconds, long before the machines' shortest deadline
/// (the station's 2 s response timeout), so `.armTimer` and `.disarmTimer` are ignored.
final class LinkPump: CardTransport {
    enum Mode: CaseIterable {
        case plaintext
        case secure

        var label: String {
            switch self {
            case .plaintext: "plaintext"
            case .secure: "secure"
            }
        }
    }

    let mode: Mode
    private let mtu: Int
    /// Answers the card's `.process` requests: `PIVCard.process`, as pivlink-card's link shell calls it.
    private let card: InProcessTransport
    private let stationKey: Curve25519.KeyAgreement.PrivateKey
    private let cardKey: Curve25519.KeyAgreement.PrivateKey
    private var central = LinkCentralStateMachine()
    private var peripheral = LinkPeripheralStateMachine()
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private var toCard: [[UInt8]] = []
    private var toStation: [[UInt8]] = []
    private var answer: LinkMessage?
    private var stationOpen = false
    private var cardOpen = false

    /// `stationKey` and `cardKey` are the paired static keys the secure mode's handshakes use.
    init(mode: Mode, mtu: Int, card: InProcessTransport,
         stationKey: Curve25519.KeyAgreement.PrivateKey, cardKey: Curve25519.KeyAgreement.PrivateKey) {
        self.mode = mode
        self.mtu = mtu
        self.card = card
        self.stationKey = stationKey
        self.cardKey = cardKey
        origin = clock.now
    }

    private var now: Duration { origin.duration(to: clock.now) }

    /// A new connection on both sides (the previous one counts as lost); in secure mode with fresh ephemeral keys
    /// on both sides and the whole handshake, until both machines report the channel open.
    func connect() throws {
        let security: (station: LinkSecurity, card: LinkSecurity)
        switch mode {
        case .plaintext:
            security = (.plaintext, .plaintext)
        case .secure:
            security = (
                .station(staticKey: stationKey, cardKey: cardKey.publicKey,
                         ephemeralKey: Curve25519.KeyAgreement.PrivateKey()),
                .card(staticKey: cardKey, pairedStations: [Array(stationKey.publicKey.rawRepresentation)],
                      ephemeralKey: Curve25519.KeyAgreement.PrivateKey()))
        }
        let cardActions: [LinkPeripheralAction]
        let stationActions: [LinkCentralAction]
        stationOpen = mode == .plaintext
        cardOpen = mode == .plaintext
        do throws(LinkError) {
            cardActions = try peripheral.connect(mtu: mtu, security: security.card, now: now)
            stationActions = try central.connect(info: peripheral.info, mtu: mtu, security: security.station, now: now)
        } catch {
            throw BenchError(.link, "\(mode.label) connect at MTU \(mtu): \(error)")
        }
        try apply(cardActions)
        try apply(stationActions)
        try pump()
        guard stationOpen, cardOpen, central.isReady else {
            throw BenchError(.link, "the \(mode.label) connection at MTU \(mtu) did not open")
        }
    }

    /// One APDU to the card over the link and its response back.
    func transmit(_ command: [UInt8]) throws -> [UInt8] {
        answer = nil
        try apply(central.send(.apdu(command), now: now))
        try pump()
        guard case .response(let response) = answer else {
            throw BenchError(.link, "the station got \(answer.map { "\($0.command)" } ?? "nothing") for an APDU")
        }
        return response
    }

    /// Hands fragments across, the card's first, until neither side has any left to send.
    private func pump() throws {
        while !toCard.isEmpty || !toStation.isEmpty {
            if !toCard.isEmpty {
                try apply(peripheral.receive(fragment: toCard.removeFirst(), now: now))
            } else {
                try apply(central.receive(fragment: toStation.removeFirst(), now: now))
            }
        }
    }

    private func apply(_ actions: [LinkCentralAction]) throws {
        for action in actions {
            switch action {
            case .send(let fragments): toCard += fragments
            case .deliver(let message): answer = message
            case .channelOpen: stationOpen = true
            case .fail(let error), .channelFailed(let error): throw BenchError(.link, "station (\(mode.label)): \(error)")
            case .pairingMessage: throw BenchError(.link, "station (\(mode.label)): a pairing message on a paired link")
            case .progress, .armTimer, .disarmTimer: break
            }
        }
    }

    private func apply(_ actions: [LinkPeripheralAction]) throws {
        for action in actions {
            switch action {
            case .send(let fragments): toStation += fragments
            case .process(let request): try apply(peripheral.finish(try cardAnswer(request), now: now))
            case .channelOpen: cardOpen = true
            case .channelFailed(let error): throw BenchError(.link, "card (\(mode.label)): \(error)")
            case .pairingMessage: throw BenchError(.link, "card (\(mode.label)): a pairing message on a paired link")
            case .cancelProcessing, .armTimer, .disarmTimer: break
            }
        }
    }

    /// The benchmark sends APDUs only.
    private func cardAnswer(_ request: LinkMessage) throws -> LinkMessage {
        guard case .apdu(let command) = request else {
            throw BenchError(.link, "the card was asked \(request.command), not an APDU")
        }
        return .response(card.transmit(command))
    }
}
