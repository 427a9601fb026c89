/// The station's side of the link, without I/O: requests and card fragments in, fragments to write and answers
/// out (docs/link-protocol.md, "Transactions").
///
/// One request is in flight at a time. The card answers it with its response or ERROR, and sends KEEPALIVE while
/// it works; silence longer than `responseTimeout`, or a request older than `transactionTimeout`, fails it (and
/// tells the card with CANCEL). A BUSY card gets the request again after `busyRetryDelay` with a new transaction
/// id, until the deadline: BUSY means the card did nothing, so that is no replay. A lost link fails the request
/// in flight as `.cardRemoved` and nothing is ever sent again on its behalf: the shell reports the card removed
/// to PC/SC. Answers whose transaction id is not the one in flight are stale and dropped.
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
    private var state = State.idle
    private var transactionIDs = LinkTransactionIDs()
    private var timer = LinkTimer()

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True when connected with no request in flight: `send(_:now:)` may be called.
    public var isReady: Bool {
        switch state {
        case .idle: connection != nil
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

    /// The link is up: `info` is the card's info characteristic, `mtu` the ATT MTU. Throws
    /// `.unsupportedVersion` or `.mtuTooSmall`, and the machine stays disconnected. A request still in flight
    /// from an earlier connection fails as `.cardRemoved` first.
    public mutating func connect(
        info: LinkInfo, mtu: Int, stationVersions: ClosedRange<UInt8> = LinkInfo.protocolVersion...LinkInfo.protocolVersion,
        now: Duration
    ) throws(LinkError) -> [LinkCentralAction] {
        _ = try info.negotiatedVersion(stationVersions: stationVersions)
        let connection = try LinkConnection(info: info, mtu: mtu)
        let actions = connectionLost(now: now)
        self.connection = connection
        return actions
    }

    /// The link went down. The request in flight fails as `.cardRemoved`; it is never sent again.
    public mutating func connectionLost(now: Duration) -> [LinkCentralAction] {
        connection = nil
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
        guard connection != nil else {
            return [.fail(LinkError(.cardRemoved, "no card is connected"))]
        }
        let transaction = CentralTransaction(
            request: request, transaction: 0, answerDeadline: now, finalDeadline: now + configuration.transactionTimeout
        )
        attempt(transaction, now: now, into: &actions)
        return settleTimer(actions)
    }

    /// Gives up on the request in flight: the card is told with CANCEL, the request fails as `.cancelled`, and
    /// whatever the card still sends for it is dropped as stale.
    public mutating func cancel(now: Duration) -> [LinkCentralAction] {
        var actions: [LinkCentralAction] = []
        switch state {
        case .idle:
            return []
        case .awaitingAnswer(let transaction):
            sendCancel(transaction, into: &actions)
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
        do throws(LinkError) {
            frame = try connection.reassembler.receive(fragment)
            self.connection = connection
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

    /// The timer armed by the last `.armTimer` fired (early calls do nothing).
    public mutating func handleTimer(now: Duration) -> [LinkCentralAction] {
        var actions: [LinkCentralAction] = []
        switch state {
        case .idle:
            break
        case .awaitingAnswer(let transaction):
            if now >= transaction.deadline {
                sendCancel(transaction, into: &actions)
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
        guard let connection else { return }
        var transaction = previous
        transaction.transaction = transactionIDs.allocate()
        let fragments: [[UInt8]]
        do throws(LinkError) {
            fragments = try connection.fragments(of: transaction.request, transaction: transaction.transaction)
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

    private func sendCancel(_ transaction: CentralTransaction, into actions: inout [LinkCentralAction]) {
        guard let connection,
              let fragments = try? connection.fragments(of: .cancel, transaction: transaction.transaction)
        else { return }
        actions.append(.send(fragments))
    }

    private mutating func finish(_ outcome: LinkCentralAction, into actions: inout [LinkCentralAction]) {
        state = .idle
        actions.append(outcome)
    }

    /// `actions`, then the timer change the call made necessary.
    private mutating func settleTimer(_ actions: [LinkCentralAction]) -> [LinkCentralAction] {
        var actions = actions
        let deadline: Duration? =
            switch state {
            case .idle: nil
            case .awaitingAnswer(let transaction): transaction.deadline
            case .awaitingRetry(_, let retryAt): retryAt
            }
        switch timer.move(to: deadline) {
        case .arm(let instant): actions.append(.armTimer(at: instant))
        case .disarm: actions.append(.disarmTimer)
        case nil: break
        }
        return actions
    }
}
