import EventLoop
import VPCD

#if canImport(Glibc)
import Glibc
#endif

/// Serves a card (`CardSession`, or `AsyncCardSession` for one that answers later) to pcscd through
/// vsmartcard's vpcd driver, on an `EventLoop`.
///
/// vpcd sees the card inserted while a TCP connection is up and removed when it closes. In `.connect` mode
/// (reader.conf `DEVICENAME /dev/null:PORT`: vpcd listens) the server connects to vpcd and, whenever that
/// fails or the connection drops (Debian's pcscd exits after 60 s idle with `--auto-exit`), reconnects with
/// exponential backoff from 100 ms to 5 s with jitter. In `.listen` mode (reader.conf
/// `DEVICENAME 127.0.0.1:PORT`: vpcd connects out) it accepts one vpcd connection at a time and closes any
/// second one at once.
///
/// The protocol itself is `VPCDConnectionStateMachine`'s; this class only moves bytes, calls the card, and
/// arms a timer for the card's own deadline. It logs one line per change of state (never per retry, never
/// APDU contents, which may hold a PIN). Like the loop, it is used from the loop's thread only.
public final class VPCDServer {
    public enum Mode: Hashable, Sendable, CustomStringConvertible {
        /// Connect to vpcd listening on `host:port` (normal mode; slot N listens on 0x8C7B + N by default).
        case connect(host: String, port: UInt16)
        /// Listen on `host:port` for vpcd to connect (reversed mode).
        case listen(host: String, port: UInt16)

        public var description: String {
            switch self {
            case .connect(let host, let port): "connect to vpcd at \(Self.endpoint(host, port))"
            case .listen(let host, let port): "listen for vpcd on \(Self.endpoint(host, port))"
            }
        }

        /// Parses an endpoint as written on a command line: `HOST:PORT`, or `[IPV6]:PORT`; the port is
        /// decimal or 0x-prefixed hex, as in reader.conf (`0x8D1B`).
        public static func parseEndpoint(_ text: String) throws(CardDaemonError) -> (host: String, port: UInt16) {
            let invalid = CardDaemonError(
                .invalidEndpoint,
                "'\(text)' is not a vpcd endpoint: write HOST:PORT, e.g. 127.0.0.1:36123 or [::1]:36123"
            )
            guard let colon = text.lastIndex(of: ":") else { throw invalid }
            var host = Substring(text[..<colon])
            let portText = text[text.index(after: colon)...]
            if host.hasPrefix("[") && host.hasSuffix("]") {
                host = host.dropFirst().dropLast()
            } else if host.contains(":") {
                throw invalid
            }
            let port =
                portText.lowercased().hasPrefix("0x")
                ? UInt16(portText.dropFirst(2), radix: 16) : UInt16(portText, radix: 10)
            guard !host.isEmpty, let port, port != 0 else { throw invalid }
            return (String(host), port)
        }

        /// "host:port", with an IPv6 literal in brackets.
        static func endpoint(_ host: String, _ port: UInt16) -> String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    public let mode: Mode
    private let card: any AsyncCardSession
    private let loop: EventLoop
    private let journal: Journal
    /// Journal fields added to the card inserted/removed entries (e.g. the station's `PIVLINK_DEVICE`).
    private let journalFields: [String: String]

    private var isRunning = false
    private var atr: [UInt8] = []
    private var connection: VPCDConnection?
    private var listener: (fileDescriptor: Int32, source: IOSource)?
    /// Connect mode: the next connection attempt. Listen mode: resuming `accept` after it failed.
    private var retryTimer: TimerSource?
    private var cardTimer: TimerSource?
    private var backoff = Backoff()
    private var random = SystemRandomNumberGenerator()
    /// Set after the first failed attempt of a streak is logged, so retries stay quiet.
    private var reportedUnreachable = false
    private var receiveBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// Pause before accepting again after `accept` failed (e.g. out of file descriptors), so a pending
    /// connection that cannot be taken does not keep the loop spinning.
    private static let acceptRetryDelay = Duration.seconds(1)

    /// - Parameter journal: gets the connection's state, the card inserted and removed with their MESSAGE_IDs.
    public convenience init(mode: Mode, card: any CardSession, loop: EventLoop, journal: Journal) {
        self.init(mode: mode, session: SynchronousCardSession(card), loop: loop, journal: journal)
    }

    /// Serves a card whose answers may come later; the connection waits for each one (vpcd is lock-step).
    /// `journalFields` go with the card inserted and removed entries.
    public init(
        mode: Mode, session: any AsyncCardSession, loop: EventLoop, journal: Journal,
        journalFields: [String: String] = [:]
    ) {
        self.mode = mode
        card = session
        self.loop = loop
        self.journal = journal
        self.journalFields = journalFields
    }

    private func log(_ message: String) {
        journal.log(message)
    }

    /// The card went in or out of pcscd through `connection`.
    private func log(_ message: String, _ id: JournalMessageID, _ connection: VPCDConnection) {
        journal.log(message, id: id, fields: journalFields.merging(["PIVLINK_VPCD": "\(connection.peer)"]) { own, _ in own })
    }

    /// Reads the card's ATR, then starts connecting or listening. In listen mode, an address that cannot be
    /// bound is an error here; in connect mode, an unreachable vpcd is only retried.
    public func start() throws(CardDaemonError) {
        precondition(!isRunning, "VPCDServer.start() called twice")
        atr = card.atr
        do {
            _ = try VPCDConnectionStateMachine(atr: atr)
        } catch {
            throw CardDaemonError(.invalidATR, error.detail)
        }
        do {
            cardTimer = try loop.makeTimer { [unowned self] in cardDeadlinePassed() }
            retryTimer = try loop.makeTimer { [unowned self] in retryTimerFired() }
        } catch {
            throw CardDaemonError(.eventLoopFailed, "cannot create a timer: \(error.detail)")
        }
        switch mode {
        case .connect(let host, let port):
            isRunning = true
            log("connecting to vpcd at \(Mode.endpoint(host, port))")
            connect()
        case .listen(let host, let port):
            try startListening(host: host, port: port)
            isRunning = true
        }
        armCardTimer()
    }

    /// Closes the vpcd connection (the card is removed) and stops connecting or listening. Call it on
    /// SIGTERM before leaving the loop.
    public func stop() {
        guard isRunning else { return }
        isRunning = false
        retryTimer = nil
        cardTimer = nil
        if let connection {
            end(connection)
            if connection.cardInserted {
                log("closed the vpcd connection to \(connection.peer): card removed", .cardRemoved, connection)
            }
        }
        if let listener {
            listener.source.remove()
            close(listener.fileDescriptor)
            self.listener = nil
        }
    }

    /// Serves `card` until SIGTERM or SIGINT, then closes the connection and returns exit code 0: what
    /// `pivlink-card serve` runs. Tells systemd READY=1 once serving and STOPPING=1 on the signal.
    public static func run(mode: Mode, card: any CardSession, journal: Journal)
        throws(CardDaemonError) -> Int32
    {
        let loop: EventLoop
        do {
            loop = try EventLoop()
        } catch {
            throw CardDaemonError(.eventLoopFailed, error.detail)
        }
        let server = VPCDServer(mode: mode, card: card, loop: loop, journal: journal)
        let notifier = ServiceNotifier()
        do {
            try loop.onTerminationSignal { [unowned loop, unowned server] signal in
                journal.log("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping")
                notifier.stopping()
                server.stop()
                loop.exit(0)
            }
        } catch {
            throw CardDaemonError(.eventLoopFailed, error.detail)
        }
        try server.start()
        notifier.ready(status: "serving the card: \(mode)")
        do {
            return try loop.run()
        } catch {
            throw CardDaemonError(.eventLoopFailed, error.detail)
        }
    }

    // MARK: connect mode

    private func connect() {
        guard isRunning, connection == nil, case .connect(let host, let port) = mode else { return }
        switch VPCDSocket.resolve(host: host, port: port, passive: false) {
        case .failure(let failure):
            retryLater(because: "cannot resolve \(host): \(failure.text)")
        case .success(let addresses):
            connect(to: addresses, index: 0, failures: [])
        }
    }

    /// Tries `addresses[index...]` in turn; the first that connects wins.
    private func connect(to addresses: [VPCDSocket.Address], index: Int, failures: [String]) {
        guard index < addresses.count else {
            retryLater(because: failures.joined(separator: "; "))
            return
        }
        let address = addresses[index]
        let fileDescriptor: Int32
        switch VPCDSocket.open(for: address) {
        case .failure(let failure):
            connect(to: addresses, index: index + 1, failures: failures + ["\(address): \(failure)"])
            return
        case .success(let opened):
            fileDescriptor = opened
        }
        let connection = VPCDConnection(
            fileDescriptor: fileDescriptor,
            peer: address.description,
            phase: .connecting(addresses: addresses, index: index, failures: failures),
            machine: makeMachine()
        )
        self.connection = connection
        // Watching before connecting is safe: nothing is dispatched before control returns to the loop.
        guard watch(connection, events: .writable) else { return }
        switch VPCDSocket.startConnect(fileDescriptor, to: address) {
        case .connected:
            established(connection)
        case .inProgress:
            break
        case .failed(let error):
            abandonAttempt(connection, failure: VPCDSocket.describe(errno: error))
        }
    }

    /// The socket of a connect under way turned writable: the connect finished, well or badly.
    private func connectFinished(_ connection: VPCDConnection) {
        let error = VPCDSocket.connectResult(connection.fileDescriptor)
        if error == 0 {
            established(connection)
        } else {
            abandonAttempt(connection, failure: VPCDSocket.describe(errno: error))
        }
    }

    /// Gives up on one address of a connection attempt and moves to the next.
    private func abandonAttempt(_ connection: VPCDConnection, failure: String) {
        guard case .connecting(let addresses, let index, let failures) = connection.phase else { return }
        connection.close()
        self.connection = nil
        connect(to: addresses, index: index + 1, failures: failures + ["\(connection.peer): \(failure)"])
    }

    private func retryLater(because reason: String) {
        if !reportedUnreachable {
            reportedUnreachable = true
            log("cannot reach vpcd (\(reason)); retrying with backoff up to \(backoff.maximum)")
        }
        arm(retryTimer, after: backoff.nextDelay(using: &random))
    }

    private func retryTimerFired() {
        switch mode {
        case .connect:
            connect()
        case .listen:
            resumeAccepting()
        }
    }

    // MARK: listen mode

    private func startListening(host: String, port: UInt16) throws(CardDaemonError) {
        let addresses: [VPCDSocket.Address]
        switch VPCDSocket.resolve(host: host, port: port, passive: true) {
        case .failure(let failure):
            throw CardDaemonError(.addressResolutionFailed, "cannot resolve \(host): \(failure.text)")
        case .success(let resolved):
            addresses = resolved
        }
        var failures: [String] = []
        for address in addresses {
            switch VPCDSocket.listen(on: address) {
            case .failure(let failure):
                failures.append("\(address): \(failure)")
            case .success(let fileDescriptor):
                do {
                    let source = try loop.addIO(fileDescriptor: fileDescriptor, events: .readable) {
                        [unowned self] _ in acceptConnections()
                    }
                    listener = (fileDescriptor, source)
                } catch {
                    close(fileDescriptor)
                    throw CardDaemonError(.eventLoopFailed, "cannot watch the vpcd listener: \(error.detail)")
                }
                log("listening for vpcd on \(address)")
                return
            }
        }
        throw CardDaemonError(.listenFailed, "cannot listen for vpcd: \(failures.joined(separator: "; "))")
    }

    private func acceptConnections() {
        guard let listener else { return }
        while true {
            switch VPCDSocket.accept(listener.fileDescriptor) {
            case .none:
                return
            case .failed(let error):
                log("accepting a vpcd connection failed (\(VPCDSocket.describe(errno: error))); pausing 1 s")
                do {
                    try listener.source.setEnabled(false)
                } catch {
                    log("cannot pause the vpcd listener: \(error.detail)")
                }
                arm(retryTimer, after: Self.acceptRetryDelay)
                return
            case .connection(let fileDescriptor, let peer):
                if let current = connection {
                    close(fileDescriptor)
                    if !current.loggedRefusal {
                        current.loggedRefusal = true
                        log("refused a second vpcd connection from \(peer): already serving \(current.peer)")
                    }
                    continue
                }
                let accepted = VPCDConnection(
                    fileDescriptor: fileDescriptor,
                    peer: peer.description,
                    phase: .established,
                    machine: makeMachine()
                )
                connection = accepted
                if watch(accepted, events: .readable) {
                    established(accepted)
                }
            }
        }
    }

    private func resumeAccepting() {
        guard let listener else { return }
        do {
            try listener.source.setEnabled(true)
        } catch {
            failLoop("cannot resume the vpcd listener: \(error.detail)")
        }
    }

    // MARK: an established connection

    private func makeMachine() -> VPCDConnectionStateMachine {
        do {
            return try VPCDConnectionStateMachine(atr: atr)
        } catch {
            preconditionFailure("the ATR was validated in start(): \(error)")
        }
    }

    /// Watches `connection`'s socket; on failure the connection is dropped and false returned.
    private func watch(_ connection: VPCDConnection, events: IOEvents) -> Bool {
        do {
            try connection.watch(on: loop, events: events) { [unowned self, weak connection] events in
                guard let connection else { return }
                handle(events, on: connection)
            }
            return true
        } catch {
            lose(connection, because: "cannot watch the socket: \(error.detail)")
            return false
        }
    }

    /// The TCP connection is up (connected or accepted): wait for vpcd's messages.
    private func established(_ connection: VPCDConnection) {
        connection.phase = .established
        VPCDSocket.disableNagle(connection.fileDescriptor)
        VPCDSocket.acknowledgeAtOnce(connection.fileDescriptor)
        do {
            try connection.setEvents(.readable)
        } catch {
            lose(connection, because: "cannot watch the socket: \(error.detail)")
        }
    }

    /// vpcd sent its first message on `connection`: the link works and pcscd sees the card.
    private func inserted(_ connection: VPCDConnection) {
        connection.cardInserted = true
        backoff.reset()
        reportedUnreachable = false
        switch mode {
        case .connect: log("connected to vpcd at \(connection.peer): card inserted", .cardInserted, connection)
        case .listen: log("vpcd connected from \(connection.peer): card inserted", .cardInserted, connection)
        }
    }

    private func handle(_ events: IOEvents, on connection: VPCDConnection) {
        guard connection === self.connection else { return }
        switch connection.phase {
        case .connecting:
            connectFinished(connection)
        case .established:
            if events.contains(.writable) {
                flush(connection)
            }
            if connection === self.connection, !events.isDisjoint(with: [.readable, .error, .hangup]) {
                read(connection)
            }
        }
    }

    private func read(_ connection: VPCDConnection) {
        switch VPCDSocket.receive(connection.fileDescriptor, into: &receiveBuffer) {
        case .bytes(let count):
            if !connection.cardInserted {
                inserted(connection)
            }
            perform(connection.machine.receive(bytes: receiveBuffer[0..<count]), on: connection)
        case .endOfStream:
            lose(connection, because: "it closed the connection")
        case .wouldBlock:
            return
        case .failed(let error):
            lose(connection, because: "read failed: \(VPCDSocket.describe(errno: error))")
        }
    }

    private func perform(_ actions: [VPCDAction], on connection: VPCDConnection) {
        for action in actions {
            guard connection === self.connection else { break }
            let now = loop.now()
            switch action {
            case .powerOn:
                card.powerOn(now: now)
            case .powerOff:
                card.powerOff(now: now)
            case .reset:
                card.reset(now: now)
            case .apdu(let command):
                card.process(command, now: now) { [weak self, weak connection] reply in
                    guard let self, let connection else { return }
                    answer(reply, on: connection)
                }
            case .send(let bytes):
                write(bytes, to: connection)
            case .close(let error):
                lose(connection, because: "protocol error: \(error.detail)")
            }
        }
        armCardTimer()
    }

    /// The card's reply to the outstanding APDU; dropped if the connection it came on has gone.
    private func answer(_ reply: [UInt8], on connection: VPCDConnection) {
        guard connection === self.connection, connection.machine.isAwaitingResponse,
              let frame = connection.machine.sendResponse(reply)
        else { return }
        if let substitution = frame.substitution {
            log("the card's reply cannot go over vpcd (\(substitution)); sent 6F00 instead")
        }
        write(frame.bytes, to: connection)
        armCardTimer()
    }

    private func write(_ bytes: [UInt8], to connection: VPCDConnection) {
        connection.pendingOutput += bytes
        flush(connection)
    }

    /// Sends what the socket takes; waits for writability for the rest.
    private func flush(_ connection: VPCDConnection) {
        sending: while !connection.pendingOutput.isEmpty {
            switch VPCDSocket.send(connection.fileDescriptor, connection.pendingOutput[...]) {
            case .bytes(let count):
                connection.pendingOutput.removeFirst(count)
            case .wouldBlock:
                break sending
            case .failed(let error):
                lose(connection, because: "write failed: \(VPCDSocket.describe(errno: error))")
                return
            }
        }
        do {
            try connection.setEvents(connection.pendingOutput.isEmpty ? .readable : [.readable, .writable])
        } catch {
            lose(connection, because: "cannot watch the socket: \(error.detail)")
        }
    }

    /// The connection ended on its own or by a protocol error: tell the card, log, and reconnect or wait.
    private func lose(_ connection: VPCDConnection, because reason: String) {
        guard connection === self.connection else { return }
        end(connection)
        switch mode {
        case .connect where connection.cardInserted:
            log("lost vpcd at \(connection.peer) (\(reason)): card removed; reconnecting", .cardRemoved, connection)
            arm(retryTimer, after: backoff.nextDelay(using: &random))
        case .connect:
            retryLater(because: "\(connection.peer): \(reason)")
        case .listen where connection.cardInserted:
            log("lost vpcd from \(connection.peer) (\(reason)): card removed; waiting for vpcd", .cardRemoved, connection)
        case .listen:
            log("dropped a connection from \(connection.peer) before vpcd spoke (\(reason))")
        }
    }

    /// Closes `connection` and, if it had inserted the card, tells the card it was removed.
    private func end(_ connection: VPCDConnection) {
        connection.close()
        self.connection = nil
        if connection.cardInserted {
            card.disconnected(now: loop.now())
            armCardTimer()
        }
    }

    // MARK: timers

    private func armCardTimer() {
        guard let cardTimer else { return }
        guard let deadline = card.nextDeadline else {
            cardTimer.cancel()
            return
        }
        if cardTimer.deadline != deadline {
            arm(cardTimer, at: deadline)
        }
    }

    private func cardDeadlinePassed() {
        card.tick(now: loop.now())
        armCardTimer()
    }

    private func arm(_ timer: TimerSource?, after delay: Duration) {
        guard let timer else { return }
        do {
            try timer.arm(after: delay)
        } catch {
            failLoop(error.detail)
        }
    }

    private func arm(_ timer: TimerSource, at deadline: MonotonicInstant) {
        do {
            try timer.arm(at: deadline)
        } catch {
            failLoop(error.detail)
        }
    }

    /// The loop refused a timer or watch the server cannot work without (out of resources): stop serving
    /// and end the loop with exit code 1, so the service manager can restart the daemon.
    private func failLoop(_ detail: String) {
        log("event loop failure (\(detail)); stopping")
        stop()
        loop.exit(1)
    }
}
