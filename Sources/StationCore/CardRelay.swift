import Link

/// Carries PC/SC's view of the card (vpcd's APDUs and power events) to the card over the link, without I/O.
///
/// When the link comes up the relay powers the card on and asks its credential version, then has the shell
/// insert the card into PC/SC with the card's ATR. Each APDU goes through the `ResponseCache`: answered at
/// once when the cache can, else sent to the card and answered when the card's response comes. vpcd's power-off
/// and reset (and PC/SC losing the reader) become POWER_OFF and RESET for the card, which end its session as
/// they would on a card in a reader; vpcd needs no answer to them. Requests go one at a time in the order they
/// arose. After a write the cache needs the version again, and the relay asks for it before the next request.
///
/// A request that fails (timeout, an ERROR from the card, the link going) is never sent again: the relay has
/// the shell drop the link, which removes the card from PC/SC; it is inserted afresh on the next link.
///
/// The shell probes the link's round-trip time now and then (`probeRoundTrip(now:)`): a PING, answered by the
/// card's link machine itself over the secure channel, sent only while no request is queued or in flight, since an
/// APDU's time includes the card's work. Requests that arise meanwhile wait behind it like behind any request.
public struct CardRelay: Sendable {
    private enum Phase: Sendable {
        case down
        /// Powering the card on and reading its version; the ATR once the card gave it.
        case starting(atr: [UInt8]?)
        case serving(atr: [UInt8])
    }

    public private(set) var cache: ResponseCache
    private var phase = Phase.down
    private var queue: [LinkMessage] = []
    private var inFlight: LinkMessage?
    /// The APDU in flight was PC/SC's before the reader disconnected: its answer goes nowhere and teaches the cache
    /// nothing (a new PC/SC connection must not get an answer to a command it never sent).
    private var inFlightIsOrphaned = false
    /// When the PING in flight was handed to the link.
    private var pingSentAt: Duration?
    /// Counts the PINGs, so that each carries bytes of its own (the channel encrypts and authenticates them).
    private var pingCount: UInt64 = 0

    /// `cache` may hold answers from an earlier run; they are kept only if the card confirms their version.
    public init(cache: ResponseCache = ResponseCache()) {
        self.cache = cache
    }

    /// True between `.insertCard` and the link going down.
    public var isServing: Bool {
        switch phase {
        case .serving: true
        case .down, .starting: false
        }
    }

    /// The ATR PC/SC sees, while serving.
    public var atr: [UInt8]? {
        switch phase {
        case .serving(let atr): atr
        case .down, .starting: nil
        }
    }

    /// The link to the card is up and `LinkCentralStateMachine` connected.
    public mutating func linkUp() -> [CardRelayAction] {
        reset(to: .starting(atr: nil))
        queue = [.powerOn, .getCredentialVersion]
        return pump()
    }

    /// The link went down: nothing in flight or queued is sent again. The shell removes the card from PC/SC.
    public mutating func linkDown() {
        reset(to: .down)
    }

    /// A command APDU from PC/SC.
    public mutating func receiveAPDU(_ command: [UInt8]) -> [CardRelayAction] {
        guard isServing else { return [] }
        guard command.count >= LinkMessage.minimumAPDULength else {
            // No card reads fewer than CLA INS P1 P2; the link refuses to carry it. ISO 7816-3: wrong length.
            return [.reply([0x67, 0x00])]
        }
        switch cache.route(command) {
        case .local(let response):
            return [.reply(response)]
        case .card:
            return enqueue(.apdu(command))
        }
    }

    /// vpcd powered the card off (`ctrl 00`); pcscd does this after reading the ATR and when idle.
    public mutating func receivePowerOff() -> [CardRelayAction] {
        guard isServing else { return [] }
        cache.cardSessionEnded()
        return enqueue(.powerOff)
    }

    /// vpcd powered the card on (`ctrl 01`).
    public mutating func receivePowerOn() -> [CardRelayAction] {
        guard isServing else { return [] }
        return enqueue(.powerOn)
    }

    /// vpcd reset the card (`ctrl 02`).
    public mutating func receiveReset() -> [CardRelayAction] {
        guard isServing else { return [] }
        cache.cardSessionEnded()
        return enqueue(.reset)
    }

    /// The vpcd connection closed (pcscd left, or the station took the card out): to PC/SC the card was removed,
    /// so its session ends. A command of that connection still waiting is dropped, and one already with the card is
    /// orphaned: its answer is discarded when it comes.
    public mutating func readerDisconnected() -> [CardRelayAction] {
        guard isServing else { return [] }
        if cache.isAwaitingCard { cache.cardAnswerLost() }
        queue.removeAll { if case .apdu = $0 { true } else { false } }
        if case .apdu = inFlight { inFlightIsOrphaned = true }
        return receivePowerOff()
    }

    /// Sends a PING to measure the link's round trip, if the relay serves and the link is idle; its PONG is
    /// reported as `.roundTrip` by `delivered(_:now:)`. `now` is when the shell hands the PING to the link.
    public mutating func probeRoundTrip(now: Duration) -> [CardRelayAction] {
        guard isServing, inFlight == nil, queue.isEmpty else { return [] }
        pingCount &+= 1
        let ping = LinkMessage.ping((0..<8).reversed().map { UInt8(truncatingIfNeeded: pingCount >> ($0 * 8)) })
        inFlight = ping
        pingSentAt = now
        return [.send(ping)]
    }

    /// The card's final answer to the request last sent (`LinkCentralAction.deliver`), at `now`.
    public mutating func delivered(_ answer: LinkMessage, now: Duration) -> [CardRelayAction] {
        guard let request = inFlight else { return [] }
        inFlight = nil
        var actions: [CardRelayAction] = []
        if inFlightIsOrphaned {
            inFlightIsOrphaned = false
            if case (.apdu, .response) = (request, answer) { return pump() }
        }
        switch (request, answer) {
        case (.powerOn, .atr(let atr)):
            if case .starting = phase {
                phase = .starting(atr: atr)
                // The card ends its session whenever a link goes (docs/link-protocol.md, "Reconnects"), and finishes
                // doing so before it answers anything on the next link: this link starts with a fresh session.
                cache.cardSessionEnded()
            }
        case (.reset, .atr), (.powerOff, .poweredOff):
            break
        case (.getCredentialVersion, .credentialVersion(let version)):
            cache.confirm(credentialVersion: version)
            if case .starting(let atr?) = phase {
                phase = .serving(atr: atr)
                actions.append(.insertCard(atr: atr))
            }
        case (.apdu, .response(let response)):
            cache.cardAnswered(response)
            actions.append(.reply(response))
        case (.ping(let sent), .pong(let echoed)) where sent == echoed:
            if let pingSentAt { actions.append(.roundTrip(now - pingSentAt)) }
            pingSentAt = nil
        default:
            let reason = "the card answered \(request.command) with \(answer.command)"
            if case .apdu = request, cache.isAwaitingCard { cache.cardAnswerLost() }
            reset(to: .down)
            return [.dropLink(reason: reason)]
        }
        if case .serving = phase, !cache.isVersionConfirmed, !queue.contains(.getCredentialVersion) {
            queue.insert(.getCredentialVersion, at: 0)
        }
        return actions + pump()
    }

    /// The request last sent ended without an answer (`LinkCentralAction.fail`).
    public mutating func failed(_ error: LinkError) -> [CardRelayAction] {
        guard let request = inFlight else { return [] }
        inFlight = nil
        if case .apdu = request, cache.isAwaitingCard { cache.cardAnswerLost() }
        reset(to: .down)
        return [.dropLink(reason: "\(request.command) failed: \(error.detail)")]
    }

    private mutating func enqueue(_ request: LinkMessage) -> [CardRelayAction] {
        queue.append(request)
        return pump()
    }

    private mutating func pump() -> [CardRelayAction] {
        guard inFlight == nil, !queue.isEmpty else { return [] }
        let next = queue.removeFirst()
        inFlight = next
        return [.send(next)]
    }

    private mutating func reset(to phase: Phase) {
        if cache.isAwaitingCard { cache.cardAnswerLost() }
        cache.linkChanged()
        self.phase = phase
        queue = []
        inFlight = nil
        inFlightIsOrphaned = false
        pingSentAt = nil
    }
}
