/// The card's side of the link, without I/O: fragments from the station in, requests for the card and fragments
/// to notify out (docs/link-protocol.md, "Transactions").
///
/// It reassembles each request, hands it to the card (`.process`) and answers it with the card's answer under the
/// request's transaction id, sending KEEPALIVE every `keepaliveInterval` (at most 500 ms) until then. A second
/// request while the card works gets ERROR BUSY and is not run. PING is answered here, without the card. CANCEL is
/// passed on (`.cancelProcessing`). Fragment errors get ERROR with the error's code, and a message whose fragments
/// stop for `fragmentTimeout` gets ERROR TIMEOUT. When the link goes down, the card's answer to a request still
/// running is dropped, and the card counts as busy until it gives it.
///
/// Every connection must open with the secure channel's handshake: message 1 from a station whose static key is
/// among `security`'s paired stations gets message 2, and from then on every message travels sealed in a record.
/// The station counts as connected (`.channelOpen`) only once its first record opens: that proves it holds the
/// keys of this handshake (a replayed message 1 gets message 2 but can never send a record). A connection must get
/// there within `handshakeTimeout` of `connect` (unless it carries the pairing ceremony, which has deadlines of its
/// own). Anything else before message 1 gets ERROR HANDSHAKE_REQUIRED in the clear; an unpaired station gets
/// ERROR NOT_PAIRED in the clear and never message 2; a failed handshake or record, or the deadline, gets ERROR
/// CHANNEL_FAILED in the clear. Each of these ends the channel: the machine answers nothing more on that
/// connection (`.channelFailed`), and the shell disconnects it.
public struct LinkPeripheralStateMachine: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The protocol's ceiling on the time between keepalives.
        public static let maximumKeepaliveInterval = Duration.milliseconds(500)

        /// How often KEEPALIVE goes out while the card works: at most 500 ms.
        public var keepaliveInterval: Duration
        /// How long the rest of a started message may take between two fragments.
        public var fragmentTimeout: Duration
        /// How long a connection may take from `connect` to the station's first record.
        public var handshakeTimeout: Duration

        /// A keepalive interval over 500 ms or not positive is a bug in the caller and traps.
        public init(
            keepaliveInterval: Duration = .milliseconds(400), fragmentTimeout: Duration = .milliseconds(1500),
            handshakeTimeout: Duration = .seconds(5)
        ) {
            precondition(keepaliveInterval > .zero && keepaliveInterval <= Self.maximumKeepaliveInterval,
                         "keepalive interval \(keepaliveInterval) outside (0, 500 ms]")
            self.keepaliveInterval = keepaliveInterval
            self.fragmentTimeout = fragmentTimeout
            self.handshakeTimeout = handshakeTimeout
        }
    }

    public let info: LinkInfo
    public let configuration: Configuration
    private var connection: LinkConnection?
    /// When the message being reassembled times out.
    private var reassemblyDeadline: Duration?
    /// When the connection's channel fails unless the station's first record opened by then.
    private var handshakeDeadline: Duration?
    /// The static key of the station that was sent message 2, until its first record confirms it.
    private var unconfirmedStation: [UInt8]?
    private var work = CardWork.idle
    private var timer = LinkTimer()

    /// - Parameter info: what the card publishes in its info characteristic; its limits are enforced here.
    public init(info: LinkInfo = LinkInfo(), configuration: Configuration = Configuration()) {
        self.info = info
        self.configuration = configuration
    }

    /// True while a `.process` request awaits `finish(_:now:)`.
    public var isProcessing: Bool { work.request != nil }

    /// A central connected with this ATT MTU; `security` holds the keys of its channel. Throws `.mtuTooSmall`, and
    /// the machine stays as it was. A previous connection still open is treated as lost first.
    public mutating func connect(mtu: Int, security: LinkSecurity, now: Duration) throws(LinkError) -> [LinkPeripheralAction] {
        let connection = try LinkConnection(info: info, mtu: mtu, security: security)
        let actions = connectionLost(now: now)
        self.connection = connection
        if !connection.channel.isPlaintext {
            handshakeDeadline = now + configuration.handshakeTimeout
        }
        return settleTimer(actions)
    }

    /// The central is gone: partial messages are dropped and the answer to a request the card still works on will
    /// be dropped too.
    public mutating func connectionLost(now: Duration) -> [LinkPeripheralAction] {
        connection = nil
        reassemblyDeadline = nil
        handshakeDeadline = nil
        unconfirmedStation = nil
        if case .answering(let answering) = work {
            work = .orphaned(request: answering.request)
        }
        return settleTimer([])
    }

    /// Takes one write from the request characteristic.
    public mutating func receive(fragment: [UInt8], now: Duration) -> [LinkPeripheralAction] {
        guard var connection, !connection.channel.hasFailed else { return [] }
        let transaction = Self.transaction(of: fragment) ?? connection.reassembler.openTransaction ?? 0
        var actions: [LinkPeripheralAction] = []
        do throws(LinkError) {
            let frame = try connection.reassembler.receive(fragment)
            self.connection = connection
            reassemblyDeadline = connection.reassembler.isAssembling ? now + configuration.fragmentTimeout : nil
            if let frame {
                receive(frame, now: now, into: &actions)
            }
        } catch {
            self.connection = connection
            reassemblyDeadline = nil
            sendError(error.code.wireCode, transaction: transaction, now: now, into: &actions)
        }
        return settleTimer(actions)
    }

    /// A whole frame from the station: the handshake's message 1, a record to open, or (in the clear) a message.
    private mutating func receive(_ frame: LinkFrame, now: Duration, into actions: inout [LinkPeripheralAction]) {
        guard var connection else { return }
        if connection.channel.carriesMessages {
            do throws(LinkError) {
                let message = try connection.channel.open(frame)
                self.connection = connection
                if let stationKey = unconfirmedStation {
                    unconfirmedStation = nil
                    handshakeDeadline = nil
                    actions.append(.channelOpen(stationKey: stationKey))
                }
                handle(message, now: now, into: &actions)
            } catch {
                self.connection = connection
                closeChannel(error, transaction: frame.transaction, into: &actions)
            }
            return
        }
        if frame.command == .pairing || connection.channel.isPairing {
            receivePairing(frame, now: now, into: &actions)
            return
        }
        guard frame.command == .handshakeInitiation else {
            let error = connection.channel.fail("\(frame.command) before the handshake")
            self.connection = connection
            closeChannel(error, code: .handshakeRequired, transaction: frame.transaction, into: &actions)
            return
        }
        let response = connection.channel.respond(to: frame, now: now)
        self.connection = connection
        switch response {
        case .accept(let answer, let stationKey):
            unconfirmedStation = stationKey
            actions.append(.send(connection.clearFragments(of: answer)))
        case .refuse(let error):
            closeChannel(error, transaction: frame.transaction, into: &actions)
        }
    }

    /// A frame on a connection that carries, or may start, the pairing ceremony.
    private mutating func receivePairing(_ frame: LinkFrame, now: Duration, into actions: inout [LinkPeripheralAction]) {
        guard var connection else { return }
        let pairing = connection.channel.isPairing || (frame.command == .pairing && connection.channel.beginPairing())
        self.connection = connection
        if pairing {
            // The ceremony's own deadlines bound it from here.
            handshakeDeadline = nil
        }
        switch (pairing, frame.command) {
        case (true, .pairing): actions.append(.pairingMessage(frame.payload))
        case (true, _): sendError(.invalidCommand, transaction: frame.transaction, now: now, into: &actions)
        case (false, _): sendError(.pairingClosed, transaction: frame.transaction, now: now, into: &actions)
        }
    }

    /// Sends a message of the pairing ceremony, in the clear; nothing if this connection does not carry one.
    public mutating func sendPairing(_ message: [UInt8], now: Duration) -> [LinkPeripheralAction] {
        guard let connection, connection.channel.isPairing else { return [] }
        return [.send(connection.clearFragments(of: LinkFrame(command: .pairing, transaction: 0, payload: message)))]
    }

    /// Tells the station in the clear that the channel is closed (with `code`, else the error's own), and the shell
    /// to disconnect it.
    private mutating func closeChannel(
        _ error: LinkError, code: LinkErrorCode? = nil, transaction: UInt8, into actions: inout [LinkPeripheralAction]
    ) {
        guard let connection, let frame = try? LinkMessage.error(code ?? error.code.wireCode).frame(transaction: transaction) else { return }
        reassemblyDeadline = nil
        handshakeDeadline = nil
        unconfirmedStation = nil
        actions += [.send(connection.clearFragments(of: frame)), .channelFailed(error)]
    }

    /// The card's answer to the request of the last `.process`: the request's own response or `.error(_)`.
    /// Calling this with no request outstanding, or with a message that does not answer it, is a bug in the
    /// caller and traps. An answer over the card's message limit goes out as ERROR INVALID_LENGTH instead.
    public mutating func finish(_ answer: LinkMessage, now: Duration) -> [LinkPeripheralAction] {
        guard let request = work.request else {
            preconditionFailure("finish(_:now:) without an outstanding request")
        }
        precondition(answer.isFinalAnswer(to: request), "\(answer.command) does not answer \(request.command)")
        var actions: [LinkPeripheralAction] = []
        if case .answering(let answering) = work {
            send(answer, transaction: answering.transaction, now: now, into: &actions)
        }
        work = .idle
        return settleTimer(actions)
    }

    /// The timer armed by the last `.armTimer` fired (early calls do nothing).
    public mutating func handleTimer(now: Duration) -> [LinkPeripheralAction] {
        var actions: [LinkPeripheralAction] = []
        if let deadline = handshakeDeadline, now >= deadline, var connection {
            let error = connection.channel.fail("the station did not complete the handshake within \(configuration.handshakeTimeout)")
            self.connection = connection
            closeChannel(error, transaction: 0, into: &actions)
            return settleTimer(actions)
        }
        if let deadline = reassemblyDeadline, now >= deadline, var connection {
            let transaction = connection.reassembler.openTransaction ?? 0
            connection.reassembler.abandon()
            self.connection = connection
            reassemblyDeadline = nil
            sendError(.timeout, transaction: transaction, now: now, into: &actions)
        }
        if case .answering(var answering) = work, now >= answering.keepaliveDue {
            send(.keepalive(.processing), transaction: answering.transaction, now: now, into: &actions)
            answering.keepaliveDue = now + configuration.keepaliveInterval
            work = .answering(answering)
        }
        return settleTimer(actions)
    }

    private mutating func handle(_ frame: LinkFrame, now: Duration, into actions: inout [LinkPeripheralAction]) {
        let message: LinkMessage
        do throws(LinkError) {
            message = try LinkMessage(frame: frame)
        } catch {
            sendError(error.code.wireCode, transaction: frame.transaction, now: now, into: &actions)
            return
        }
        if case .cancel = message {
            if case .answering(var answering) = work, answering.transaction == frame.transaction, !answering.cancelled {
                answering.cancelled = true
                work = .answering(answering)
                actions.append(.cancelProcessing)
            }
            return
        }
        guard message.isRequest else {
            sendError(.invalidCommand, transaction: frame.transaction, now: now, into: &actions)
            return
        }
        guard frame.transaction != 0 else {
            sendError(.invalidParameter, transaction: 0, now: now, into: &actions)
            return
        }
        guard work.request == nil else {
            sendError(.busy, transaction: frame.transaction, now: now, into: &actions)
            return
        }
        if case .ping(let bytes) = message {
            send(.pong(bytes), transaction: frame.transaction, now: now, into: &actions)
            return
        }
        work = .answering(CardWork.Answering(
            request: message, transaction: frame.transaction,
            keepaliveDue: now + configuration.keepaliveInterval, cancelled: false
        ))
        actions.append(.process(message))
    }

    private mutating func sendError(_ code: LinkErrorCode, transaction: UInt8, now: Duration, into actions: inout [LinkPeripheralAction]) {
        send(.error(code), transaction: transaction, now: now, into: &actions)
    }

    /// Sends `message`, sealed once the channel is open; before the handshake only an ERROR goes, in the clear,
    /// and after a failed channel nothing. A message the link cannot carry goes out as ERROR instead:
    /// INVALID_LENGTH over the card's limit, OTHER if the card's answer is malformed (a 1-byte response, a 40-byte
    /// ATR).
    private mutating func send(_ message: LinkMessage, transaction: UInt8, now: Duration, into actions: inout [LinkPeripheralAction]) {
        guard var connection, !connection.channel.hasFailed else { return }
        guard connection.channel.carriesMessages else {
            if case .error = message, let frame = try? message.frame(transaction: transaction) {
                actions.append(.send(connection.clearFragments(of: frame)))
            }
            return
        }
        do throws(LinkError) {
            actions.append(.send(try connection.fragments(of: message, transaction: transaction, now: now)))
            self.connection = connection
        } catch where error.code == .channelFailed {
            self.connection = connection
            closeChannel(error, transaction: transaction, into: &actions)
        } catch {
            self.connection = connection
            send(.error(error.code == .messageTooLong ? .invalidLength : .other), transaction: transaction, now: now, into: &actions)
        }
    }

    /// The transaction id an initial fragment names, if the fragment is one and is long enough to name it.
    private static func transaction(of fragment: [UInt8]) -> UInt8? {
        guard fragment.count >= 2, LinkFragment.isInitial(fragment[0]) else { return nil }
        return fragment[1]
    }

    /// `actions`, then the timer change the call made necessary.
    private mutating func settleTimer(_ actions: [LinkPeripheralAction]) -> [LinkPeripheralAction] {
        var actions = actions
        let keepaliveDue: Duration? =
            switch work {
            case .answering(let answering): answering.keepaliveDue
            case .idle, .orphaned: nil
            }
        let deadline = [reassemblyDeadline, keepaliveDue, handshakeDeadline].compactMap { $0 }.min()
        switch timer.move(to: deadline) {
        case .arm(let instant): actions.append(.armTimer(at: instant))
        case .disarm: actions.append(.disarmTimer)
        case nil: break
        }
        return actions
    }
}
