/// The station's side of the link, without I/O: requests and card fragments in, fragments to write and answers
/// out (docs/link-protocol.md, "Transactions").
///
/// One request is in flight at a time. The card answers it with its response or ERROR, and sends KEEPALIVE while
/// it works; silence longer than `responseTimeout`, or a request older than `transactionTimeout`, fails it (and
/// tells the card with CANCEL). A BUSY card gets the request again after `busyRetryDelay` with a new transaction
/// id, until the deadline: BUSY means the card did nothing, so that is no replay. A lost link fails the request
/// in flight as `.cardRemoved` and nothing is ever sent again on its behalf: the shell reports the card removed
/// to PC/SC. Answers whose transaction id is not the one in flight are stale and dropped.
///
/// Every connection opens with the secure channel's handshake (`connect` sends message 1): no request goes until
/// the card's message 2 arrives (`.channelOpen`), and from then on every message travels sealed in a record. A
/// handshake that fails or does not come within `responseTimeout`, and any record that fails, ends the connection
/// (`.channelFailed`).
public struct LinkCentralStateMachine: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The longest silence from the card while it owes an answer: after the request is written, after each
        /// KEEPALIVE, after each fragment of its answer. Above the card's 500 ms keepalive period plus BLE latency.
        public var responseTimeout: Duration
        /// Extra time before the first answer for each fragment the request took, for writing them at low MTU.
        public var fragmentAllowance: Duration
        /// The longest a request may take, keepalives or not.
        public var transactionTimeout: Duration
        /// The wait before sending a request again to a BUSY card.
        public var busyRetryDelay: Duration

        public init(
            responseTimeout: Duration = .seconds(2), fragmentAllowance: Duration = .milliseconds(15),
            transactionTimeout: Duration = .seconds(60), busyRetryDelay: Duration = .milliseconds(100)
        ) {
            self.responseTimeout = responseTimeout
            self.fragmentAllowance = fragmentAllowance
            self.transactionTimeout = transactionTimeout
            self.busyRetryDelay = busyRetryDelay
        }
    }

    private enum State: Sendable {
        case idle
        case awaitingAnswer(CentralTransaction)
        /// The card said BUSY; the request goes again at `retryAt`.
        case awaitingRetry(CentralTransaction, retryAt: Duration)
    }

    public let configuration: Configuration
    private var connection: LinkConnection?
    /// When the card's handshake message 2 is due, while the station waits for it.
    private var handshakeDeadline: Duration?
    private var state = State.idle
    private var transactionIDs = LinkTransactionIDs()
    private var timer = LinkTimer()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True when connected, the channel open and no request in flight: `send(_:now:)` may be called.
    public var isReady: Bool {
        switch state {
        case .idle: connection?.channel.carriesMessages ?? false
        case .awaitingAnswer, .awaitingRetry: false
        }
    }

    /// True while a request is in flight.
    public var isBusy: Bool {
        switch state {
        case .idle: false
        case .awaitingAnswer, .awaitingRetry: true
        }
    }

    /// The link is up: `info` is the card's info characteristic, `mtu` the ATT MTU, `security` the keys of this
    /// connection's channel. Sends the handshake's message 1. Throws `.unsupportedVersion` or `.mtuTooSmall`, and
    /// the machine stays disconnected. A request still in flight from an earlier connection fails as
    /// `.cardRemoved` first.
    public mutating func connect(
        info: LinkInfo, mtu: Int, security: LinkSecurity,
        stationVersions: ClosedRange<UInt8> = LinkInfo.protocolVersion...LinkInfo.protocolVersion, now: Duration
    ) throws(LinkError) -> [LinkCentralAction] {
        _ = try info.negotiatedVersion(stationVersions: stationVersions)
        var connection = try LinkConnection(info: info, mtu: mtu, security: security)
        var actions = connectionLost(now: now)
        if !connection.channel.isPlaintext, !connection.channel.isPairing {
            let fragments = connection.clearFragments(of: try connection.channel.initiate())
            handshakeDeadline = now + configuration.responseTimeout + configuration.fragmentAllowance * fragments.count
            actions.append(.send(fragments))
        }
        self.connection = connection
        return settleTimer(actions)
    }

    /// The link went down. The request in flight fails as `.cardRemoved`; it is never sent again.
    public mutating func connectionLost(now: Duration) -> [LinkCentralAction] {
        connection = nil
        handshakeDeadline = nil
        var actions: [LinkCentralAction] = []
        if isBusy {
            finish(.fail(LinkError(.cardRemoved, "the card went away during the request; it is not sent again")), into: &actions)
        }
        return settleTimer(actions)
    }

    /// Sends a request (`LinkMessage.isRequest`). Not connected: fails as `.cardRemoved`. A request the card's
    /// limits refuse fails as `.messageTooLong` or `.invalidMessage`. Calling this while a request is in flight,
    /// or with a message that is not a request, is a bug in the caller and traps.
    public mutating func send(_ request: LinkMessage, now: Duration) -> [LinkCentralAction] {
        precondition(request.isRequest, "\(request.command) is not a request")
        precondition(!isBusy, "a request is already in flight")
        var actions: [LinkCentralAction] = []
        guard let connection, connection.channel.carriesMessages else {
            return [.fail(LinkError(.cardRemoved, "no card is connected over an open secure channel"))]
        }
        let transaction = CentralTransaction(
            request: request, transaction: 0, answerDeadline: now, finalDeadline: now + configuration.transactionTimeout
        )
        attempt(transaction, now: now, into: &actions)
        return settleTimer(actions)
    }

    /// Sends a message of the pairing ceremony, in the clear, on a connection made with
    /// `LinkSecurity.stationPairing`; nothing on any other.
    public mutating func sendPairing(_ message: [UInt8], now: Duration) -> [LinkCentralAction] {
        guard let connection, connection.channel.isPairing else { return [] }
        return [.send(connection.clearFragments(of: LinkFrame(command: .pairing, transaction: 0, payload: message)))]
    }

    /// Gives up on the request in flight: the card is told with CANCEL, the request fails as `.cancelled`, and
    /// whatever the card still sends for it is dropped as stale.
    public mutating func cancel(now: Duration) -> [LinkCentralAction] {
        var actions: [LinkCentralAction] = []
        switch state {
        case .idle:
            return []
        case .awaitingAnswer(let transaction):
            sendCancel(transaction, now: now, into: &actions)
        case .awaitingRetry:
            break
        }
        finish(.fail(LinkError(.cancelled, "the request was cancelled")), into: &actions)
        return settleTimer(actions)
    }

    /// Takes one notification from the response characteristic.
    public mutating func receive(fragment: [UInt8], now: Duration) -> [LinkCentralAction] {
        guard var connection else { return [] }
        var actions: [LinkCentralAction] = []
        let frame: LinkFrame?
        let wasOpen = connection.channel.carriesMessages
        do throws(LinkError) {
            frame = try connection.reassembler.receive(fragment).map { outer throws(LinkError) in
                try Self.message(in: outer, of: &connection, now: now)
            }
            self.connection = connection
            if !wasOpen, connection.channel.carriesMessages {
                // The handshake completed with this frame (never a message inside a record that merely says A1).
                handshakeDeadline = nil
                actions.append(.channelOpen)
                return settleTimer(actions)
            }
            if let frame, connection.channel.isPairing {
                actions.append(.pairingMessage(frame.payload))
                return settleTimer(actions)
            }
        } catch where [.channelFailed, .notPaired, .pairingClosed].contains(error.code) {
            dropConnection(error, into: &actions)
            return settleTimer(actions)
        } catch {
            self.connection = connection
            if case .awaitingAnswer = state {
                finish(.fail(error), into: &actions)
            }
            return settleTimer(actions)
        }
        guard case .awaitingAnswer(var transaction) = state else { return settleTimer(actions) }
        guard let frame else {
            if connection.reassembler.openTransaction == transaction.transaction {
                transaction.answerDeadline = now + configuration.responseTimeout
                state = .awaitingAnswer(transaction)
            }
            return settleTimer(actions)
        }
        guard frame.transaction == transaction.transaction || (frame.transaction == 0 && frame.command == .error) else {
            return settleTimer(actions)
        }
        handle(frame, of: transaction, now: now, into: &actions)
        return settleTimer(actions)
    }

    /// The message frame in a frame from the card: the frame itself in the clear, the plaintext of a record, or
    /// the handshake's message 2 (the channel is then open). An ERROR in the clear once a channel is in use is
    /// the card closing it.
    private static func message(in frame: LinkFrame, of connection: inout LinkConnection, now: Duration) throws(LinkError) -> LinkFrame {
        let channel = connection.channel
        if channel.isPlaintext {
            return frame
        }
        if frame.command == .error, let code = frame.payload.first, frame.payload.count == 1 {
            let reported = LinkError(reportedByPeer: LinkErrorCode(rawValue: code))
            // NOT_PAIRED and PAIRING_CLOSED answer only the first message; after that anyone could forge them.
            let answersTheFirst = !channel.carriesMessages && [.notPaired, .pairingClosed].contains(reported.code)
            throw answersTheFirst ? reported : connection.channel.fail("the card closed it (\(reported.detail))")
        }
        if channel.carriesMessages {
            return try connection.channel.open(frame)
        }
        if channel.isPairing {
            guard frame.command == .pairing else {
                throw connection.channel.fail("the card sent \(frame.command) during pairing")
            }
            return frame
        }
        guard frame.command == .handshakeResponse else {
            throw connection.channel.fail("the card answered the handshake with \(frame.command)")
        }
        try connection.channel.complete(with: frame, now: now)
        return frame
    }

    /// Ends the connection for a channel failure: the request in flight fails with it.
    private mutating func dropConnection(_ error: LinkError, into actions: inout [LinkCentralAction]) {
        connection = nil
        handshakeDeadline = nil
        if isBusy {
            finish(.fail(error), into: &actions)
        }
        actions.append(.channelFailed(error))
    }

    /// The timer armed by the last `.armTimer` fired (early calls do nothing).
    public mutating func handleTimer(now: Duration) -> [LinkCentralAction] {
        var actions: [LinkCentralAction] = []
        if let deadline = handshakeDeadline, now >= deadline {
            dropConnection(LinkError(.channelFailed, "the card did not answer the secure channel's handshake within \(configuration.responseTimeout)"), into: &actions)
        }
        switch state {
        case .idle:
            break
        case .awaitingAnswer(let transaction):
            if now >= transaction.deadline {
                sendCancel(transaction, now: now, into: &actions)
                let detail = now >= transaction.finalDeadline
                    ? "the card did not answer \(transaction.request.command) within \(configuration.transactionTimeout)"
                    : "the card fell silent for \(configuration.responseTimeout) during \(transaction.request.command)"
                finish(.fail(LinkError(.timeout, detail)), into: &actions)
            }
        case .awaitingRetry(let transaction, let retryAt):
            if now >= retryAt {
                attempt(transaction, now: now, into: &actions)
            }
        }
        return settleTimer(actions)
    }

    private mutating func attempt(_ previous: CentralTransaction, now: Duration, into actions: inout [LinkCentralAction]) {
        guard var connection else { return }
        var transaction = previous
        transaction.transaction = transactionIDs.allocate()
        let fragments: [[UInt8]]
        do throws(LinkError) {
            fragments = try connection.fragments(of: transaction.request, transaction: transaction.transaction, now: now)
            self.connection = connection
        } catch where error.code == .channelFailed {
            dropConnection(error, into: &actions)
            return
        } catch {
            finish(.fail(error), into: &actions)
            return
        }
        let writing = configuration.fragmentAllowance * fragments.count
        transaction.answerDeadline = now + configuration.responseTimeout + writing
        state = .awaitingAnswer(transaction)
        actions.append(.send(fragments))
    }

    private mutating func handle(
        _ frame: LinkFrame, of transaction: CentralTransaction, now: Duration, into actions: inout [LinkCentralAction]
    ) {
        let message: LinkMessage
        do throws(LinkError) {
            message = try LinkMessage(frame: frame)
        } catch {
            finish(.fail(error), into: &actions)
            return
        }
        switch message {
        case .keepalive(let status):
            var transaction = transaction
            transaction.answerDeadline = now + configuration.responseTimeout
            state = .awaitingAnswer(transaction)
            actions.append(.progress(status))
        case .error(.busy) where now + configuration.busyRetryDelay < transaction.finalDeadline:
            state = .awaitingRetry(transaction, retryAt: now + configuration.busyRetryDelay)
        case .error(let code):
            finish(.fail(LinkError(reportedByPeer: code)), into: &actions)
        default:
            guard message.isFinalAnswer(to: transaction.request) else {
                finish(.fail(LinkError(.unexpectedMessage, "the card answered \(transaction.request.command) with \(message.command)")), into: &actions)
                return
            }
            finish(.deliver(message), into: &actions)
        }
    }

    private mutating func sendCancel(_ transaction: CentralTransaction, now: Duration, into actions: inout [LinkCentralAction]) {
        guard var connection,
              let fragments = try? connection.fragments(of: .cancel, transaction: transaction.transaction, now: now)
        else { return }
        self.connection = connection
        actions.append(.send(fragments))
    }

    private mutating func finish(_ outcome: LinkCentralAction, into actions: inout [LinkCentralAction]) {
        state = .idle
        actions.append(outcome)
    }

    /// `actions`, then the timer change the call made necessary.
    private mutating func settleTimer(_ actions: [LinkCentralAction]) -> [LinkCentralAction] {
        var actions = actions
        let transactionDeadline: Duration? =
            switch state {
            case .idle: nil
            case .awaitingAnswer(let transaction): transaction.deadline
            case .awaitingRetry(_, let retryAt): retryAt
            }
        let deadline = [transactionDeadline, handshakeDeadline].compactMap { $0 }.min()
        switch timer.move(to: deadline) {
        case .arm(let instant): actions.append(.armTimer(at: instant))
        case .disarm: actions.append(.disarmTimer)
        case nil: break
        }
        return actions
    }
}
