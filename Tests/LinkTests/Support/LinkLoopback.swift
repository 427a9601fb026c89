import Crypto
@_spi(Plaintext) import Link

/// A station and a card joined back to back, without Bluetooth: fragments cross one after another, each
/// `fragmentLatency` after the one before (0 = at once), a fake clock jumps from event to event, and a card stub
/// answers each request after `card.delay`. `security` chooses the channel: in the clear (the message layer
/// alone), or Noise between a station and a card, paired or not; each connect makes fresh ephemeral keys.
final class LinkLoopback {
    enum Security {
        case plaintext
        /// The card knows the station's static key.
        case paired
        /// The card knows another station's key, not this one's.
        case unpaired
    }

    /// Static keys for the loopback's station and card; the card's list of paired stations follows `security`.
    struct Keys {
        let station = Curve25519.KeyAgreement.PrivateKey()
        let card = Curve25519.KeyAgreement.PrivateKey()
        let otherStation = Curve25519.KeyAgreement.PrivateKey()

        var stationPublicKey: [UInt8] { Array(station.publicKey.rawRepresentation) }
    }

    /// Answers like a card: APDUs echoed with 90 00, a fixed ATR, the credential version it holds.
    struct CardStub {
        static let atr: [UInt8] = [0x3B, 0xF9, 0x18, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x45, 0x00, 0x44, 0x50, 0x49, 0x56]

        var delay: Duration = .zero
        /// Whether the card stops at `.cancelProcessing` (answering CANCELLED) or runs on to its answer.
        var stopsOnCancel = true
        var credentialVersion: UInt64 = 1

        func answer(_ request: LinkMessage) -> LinkMessage {
            switch request {
            case .apdu(let command): .response(command + [0x90, 0x00])
            case .powerOn, .reset: .atr(Self.atr)
            case .powerOff: .poweredOff
            case .getCredentialVersion: .credentialVersion(credentialVersion)
            default: .error(.invalidCommand)
            }
        }
    }

    private struct InFlight {
        var fragment: [UInt8]
        var arrival: Duration
    }

    private(set) var now: Duration = .zero
    private(set) var central: LinkCentralStateMachine
    private(set) var peripheral: LinkPeripheralStateMachine
    var card: CardStub
    var fragmentLatency: Duration
    /// Reorders what crosses to the card, as EATT can: called with each batch of fragments the station writes.
    var reorderToCard: ([[UInt8]]) -> [[UInt8]] = { $0 }

    private var toCard: [InFlight] = []
    private var toStation: [InFlight] = []
    private var centralTimer: Duration?
    private var peripheralTimer: Duration?
    private var cardJob: (request: LinkMessage, readyAt: Duration)?

    /// The station's outcomes (`.deliver` and `.fail`), in order.
    private(set) var outcomes: [LinkCentralAction] = []
    /// When KEEPALIVEs reached the station.
    private(set) var keepalives: [Duration] = []
    /// Every request the card ran, in order.
    private(set) var processed: [LinkMessage] = []
    /// How often the card was told to cancel.
    private(set) var cancellations = 0
    let security: Security
    let rekeyPeriod: Duration
    let keys = Keys()
    /// Every fragment that crossed towards the card and towards the station, in order: what a radio capture sees.
    private(set) var wireToCard: [[UInt8]] = []
    private(set) var wireToStation: [[UInt8]] = []
    /// The channel events of both sides, in order (`.channelOpen`, `.channelFailed`).
    private(set) var stationChannel: [LinkCentralAction] = []
    private(set) var cardChannel: [LinkPeripheralAction] = []

    init(
        mtu: Int, card: CardStub = CardStub(), fragmentLatency: Duration = .zero,
        station: LinkCentralStateMachine.Configuration = .init(), info: LinkInfo = LinkInfo(),
        security: Security = .plaintext, rekeyPeriod: Duration = LinkSecurity.defaultRekeyPeriod
    ) throws {
        self.rekeyPeriod = rekeyPeriod
        central = LinkCentralStateMachine(configuration: station)
        peripheral = LinkPeripheralStateMachine(info: info)
        self.card = card
        self.fragmentLatency = fragmentLatency
        self.security = security
        try connect(mtu: mtu)
    }

    /// The last outcome, if the station has one.
    var lastOutcome: LinkCentralAction? { outcomes.last }

    /// Connects both sides; over a channel, runs until the station's handshake ended one way or the other.
    func connect(mtu: Int) throws {
        let channelEvents = stationChannel.count
        switch security {
        case .plaintext:
            apply(try peripheral.connect(mtu: mtu, security: .plaintext, now: now))
            apply(try central.connect(info: peripheral.info, mtu: mtu, security: .plaintext, now: now))
        case .paired, .unpaired:
            let paired = security == .paired ? keys.stationPublicKey : Array(keys.otherStation.publicKey.rawRepresentation)
            apply(try peripheral.connect(mtu: mtu, security: .card(
                staticKey: keys.card, pairedStations: [paired], ephemeralKey: Curve25519.KeyAgreement.PrivateKey(),
                rekeyPeriod: rekeyPeriod
            ), now: now))
            apply(try central.connect(info: peripheral.info, mtu: mtu, security: .station(
                staticKey: keys.station, cardKey: keys.card.publicKey, ephemeralKey: Curve25519.KeyAgreement.PrivateKey(),
                rekeyPeriod: rekeyPeriod
            ), now: now))
            _ = run(until: { $0.stationChannel.count > channelEvents }, deadline: now + .seconds(10))
        }
    }

    /// Delivers `fragment` to the card as if the station had written it (a replay, a forgery).
    func inject(toCard fragment: [UInt8]) {
        apply(peripheral.receive(fragment: fragment, now: now))
    }

    /// Delivers `fragment` to the station as if the card had notified it.
    func inject(toStation fragment: [UInt8]) {
        apply(central.receive(fragment: fragment, now: now))
    }

    /// Both sides see the link drop; fragments on the way are lost.
    func disconnect() {
        toCard = []
        toStation = []
        apply(central.connectionLost(now: now))
        apply(peripheral.connectionLost(now: now))
    }

    func send(_ request: LinkMessage) {
        apply(central.send(request, now: now))
    }

    func cancel() {
        apply(central.cancel(now: now))
    }

    /// Runs events until `condition` holds; false if it still does not at `deadline` (fake time) or nothing is
    /// left to happen.
    func run(until condition: (LinkLoopback) -> Bool, deadline: Duration) -> Bool {
        while !condition(self) {
            guard let next = nextEvent(), next <= deadline else { return false }
            now = max(now, next)
            step()
        }
        return true
    }

    /// Sends `request` and runs until the station has an outcome for it.
    func exchange(_ request: LinkMessage, within limit: Duration = .seconds(120)) -> LinkCentralAction? {
        let before = outcomes.count
        send(request)
        let deadline = now + limit
        guard run(until: { $0.outcomes.count > before }, deadline: deadline) else { return nil }
        return outcomes.last
    }

    /// Runs until `instant` (fake time), then stops there.
    func run(to instant: Duration) {
        _ = run(until: { _ in false }, deadline: instant)
        now = max(now, instant)
    }

    private func nextEvent() -> Duration? {
        [toCard.first?.arrival, toStation.first?.arrival, centralTimer, peripheralTimer, cardJob?.readyAt]
            .compactMap { $0 }.min()
    }

    private func step() {
        if let first = toCard.first, first.arrival <= now {
            toCard.removeFirst()
            wireToCard.append(first.fragment)
            apply(peripheral.receive(fragment: first.fragment, now: now))
        } else if let first = toStation.first, first.arrival <= now {
            toStation.removeFirst()
            wireToStation.append(first.fragment)
            if first.fragment.first == LinkCommand.keepalive.rawValue { keepalives.append(now) }
            apply(central.receive(fragment: first.fragment, now: now))
        } else if let job = cardJob, job.readyAt <= now {
            cardJob = nil
            apply(peripheral.finish(card.answer(job.request), now: now))
        } else if let deadline = peripheralTimer, deadline <= now {
            peripheralTimer = nil
            apply(peripheral.handleTimer(now: now))
        } else if let deadline = centralTimer, deadline <= now {
            centralTimer = nil
            apply(central.handleTimer(now: now))
        }
    }

    private func apply(_ actions: [LinkCentralAction]) {
        for action in actions {
            switch action {
            case .send(let fragments): enqueue(reorderToCard(fragments), on: &toCard)
            case .deliver, .fail: outcomes.append(action)
            case .progress: break
            case .channelOpen, .channelFailed, .pairingMessage: stationChannel.append(action)
            case .armTimer(let deadline): centralTimer = deadline
            case .disarmTimer: centralTimer = nil
            }
        }
    }

    private func apply(_ actions: [LinkPeripheralAction]) {
        for action in actions {
            switch action {
            case .send(let fragments): enqueue(fragments, on: &toStation)
            case .process(let request):
                processed.append(request)
                cardJob = (request, now + card.delay)
            case .cancelProcessing:
                cancellations += 1
                if card.stopsOnCancel, cardJob != nil {
                    cardJob = nil
                    apply(peripheral.finish(.error(.cancelled), now: now))
                }
            case .channelOpen, .channelFailed, .pairingMessage: cardChannel.append(action)
            case .armTimer(let deadline): peripheralTimer = deadline
            case .disarmTimer: peripheralTimer = nil
            }
        }
    }

    private func enqueue(_ fragments: [[UInt8]], on queue: inout [InFlight]) {
        var arrival = max(now, queue.last?.arrival ?? now)
        for fragment in fragments {
            arrival += fragmentLatency
            queue.append(InFlight(fragment: fragment, arrival: arrival))
        }
    }
}
