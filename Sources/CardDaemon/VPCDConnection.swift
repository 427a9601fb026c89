import EventLoop
import VPCD

#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to vpcd, connecting or established: the socket, its loop watch, the protocol state
/// machine and the bytes not yet written. `VPCDServer` drives it; it owns the socket and closes it.
final class VPCDConnection {
    enum Phase {
        /// A non-blocking connect is under way to `addresses[index]`; `failures` tells why earlier ones failed.
        case connecting(addresses: [VPCDSocket.Address], index: Int, failures: [String])
        /// Connected (or accepted): exchanging vpcd messages.
        case established
    }

    let fileDescriptor: Int32
    /// Where the connection goes or comes from, for log lines.
    let peer: String
    var phase: Phase
    var machine: VPCDConnectionStateMachine
    /// Framed bytes vpcd has not taken yet (the socket buffer was full).
    var pendingOutput: [UInt8] = []
    /// Set when vpcd sends its first message. A TCP connection alone proves little: in normal mode it may
    /// sit in the kernel's backlog until vpcd's next presence poll accepts it, or forever if the slot is
    /// taken. Only an inserted card is told of its removal.
    var cardInserted = false
    /// Set once a second connection was refused during this one, so the log says so once.
    var loggedRefusal = false
    private var source: IOSource?
    private var isOpen = true

    init(fileDescriptor: Int32, peer: String, phase: Phase, machine: VPCDConnectionStateMachine) {
        self.fileDescriptor = fileDescriptor
        self.peer = peer
        self.phase = phase
        self.machine = machine
    }

    deinit {
        close()
    }

    /// Starts the loop watch; the handler receives this connection's events.
    func watch(on loop: EventLoop, events: IOEvents, handler: @escaping (IOEvents) -> Void) throws(EventLoopError) {
        source = try loop.addIO(fileDescriptor: fileDescriptor, events: events, handler: handler)
    }

    func setEvents(_ events: IOEvents) throws(EventLoopError) {
        guard let source, source.events != events else { return }
        try source.setEvents(events)
    }

    /// Stops the watch and closes the socket: vpcd sees the card removed. Safe to call twice.
    func close() {
        guard isOpen else { return }
        isOpen = false
        source?.remove()
        source = nil
        Glibc.close(fileDescriptor)
    }
}
