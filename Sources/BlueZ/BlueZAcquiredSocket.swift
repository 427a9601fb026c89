import DBus

/// What `AcquireWrite`/`AcquireNotify` hand over: one end of a `SOCK_SEQPACKET` socket pair, where one
/// datagram is one ATT write or notification, and the link's ATT MTU.
public struct BlueZAcquiredSocket: Sendable {
    public let fileDescriptor: DBusFileDescriptor
    public let mtu: Int

    public init(fileDescriptor: DBusFileDescriptor, mtu: Int) {
        self.fileDescriptor = fileDescriptor
        self.mtu = mtu
    }

    /// Reads an `(h, q)` reply.
    init(reply values: [DBusValue], member: String) throws(BlueZError) {
        guard values.count == 2, let fileDescriptor = values[0].fileDescriptor, let mtu = values[1].uint16 else {
            throw BlueZError(.unexpectedReply, "\(member) answered \(values.map(\.type)) instead of (h, q)")
        }
        self.init(fileDescriptor: fileDescriptor, mtu: Int(mtu))
    }
}
