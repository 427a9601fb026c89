import DBus
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// An acquired `SOCK_SEQPACKET` end on the event loop: each datagram read is one ATT write (AcquireWrite) or
/// notification (AcquireNotify), each datagram sent one the other way. Used by both sides: a peripheral reads
/// writes and sends notifications, a central sends writes and reads notifications.
///
/// A hang-up, a socket error or end of file closes it and runs `onClose` once: the link is gone, or the other
/// side released it. Datagrams the socket cannot take at once wait, in order, until it can.
public final class BlueZDatagramSocket {
    /// Longer than any ATT value (512 bytes), so no datagram is cut.
    public static let receiveBufferSize = 1024

    public let fileDescriptor: DBusFileDescriptor
    public private(set) var isOpen = true

    private var source: IOSource?
    private var pending: [[UInt8]] = []
    private var buffer = [UInt8](repeating: 0, count: BlueZDatagramSocket.receiveBufferSize)
    private let onDatagram: ([UInt8]) -> Void
    private let onClose: () -> Void

    /// Watches `fileDescriptor` (made non-blocking) on `loop`. `onDatagram` and `onClose` run on the loop.
    public init(
        _ fileDescriptor: DBusFileDescriptor, loop: EventLoop,
        onDatagram: @escaping ([UInt8]) -> Void, onClose: @escaping () -> Void
    ) throws(BlueZError) {
        self.fileDescriptor = fileDescriptor
        self.onDatagram = onDatagram
        self.onClose = onClose
        let flags = fcntl(fileDescriptor.rawValue, F_GETFL)
        guard flags >= 0, fcntl(fileDescriptor.rawValue, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw BlueZError(.failed, "cannot make \(fileDescriptor) non-blocking: \(String(cString: strerror(errno)))")
        }
        do {
            source = try loop.addIO(fileDescriptor: fileDescriptor.rawValue, events: .readable) { [weak self] events in
                self?.handle(events)
            }
        } catch {
            throw BlueZError(.failed, "cannot watch \(fileDescriptor): \(error.detail)")
        }
    }

    deinit {
        source?.remove()
    }

    /// Sends one datagram, or queues it while the socket is full. Throws `.disconnected` once closed.
    public func send(_ datagram: [UInt8]) throws(BlueZError) {
        guard isOpen else {
            throw BlueZError(.disconnected, "the acquired socket is closed")
        }
        pending.append(datagram)
        flush()
    }

    /// Stops watching and closes (the descriptor closes when this object goes); `onClose` does not run.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        pending = []
        source?.remove()
        source = nil
        // Shut down now, so the peer sees the hang-up even while someone still holds the descriptor object.
        shutdown(fileDescriptor.rawValue, Int32(SHUT_RDWR))
    }

    private func handle(_ events: IOEvents) {
        if events.contains(.writable) {
            flush()
        }
        if isOpen, events.contains(.readable) {
            receive()
        }
        if isOpen, !events.isDisjoint(with: [.hangup, .error]), !events.contains(.readable) {
            lost()
        }
    }

    private func receive() {
        while isOpen {
            let count = recv(fileDescriptor.rawValue, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                onDatagram(Array(buffer[0..<count]))
            } else if count == 0 {
                lost()
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                return
            } else {
                lost()
            }
        }
    }

    private func flush() {
        while isOpen, let datagram = pending.first {
            let sent = datagram.withUnsafeBytes { bytes in
                Glibc.send(fileDescriptor.rawValue, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL))
            }
            if sent >= 0 {
                pending.removeFirst()
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                break
            } else {
                lost()
                return
            }
        }
        guard isOpen, let source else { return }
        // Failing to change the watch leaves the loop without a way to drain the socket: treat it as lost.
        do {
            try source.setEvents(pending.isEmpty ? .readable : [.readable, .writable])
        } catch {
            lost()
        }
    }

    private func lost() {
        guard isOpen else { return }
        close()
        onClose()
    }
}
