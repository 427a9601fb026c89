/// A signal received through a match.
public struct DBusSignal: Sendable {
    /// The unique name of the connection that sent it (`:1.42`), or nil for a local signal.
    public let sender: String?
    public let path: DBusObjectPath
    public let interface: String
    public let member: String
    public let arguments: [DBusValue]

    public init(sender: String?, path: DBusObjectPath, interface: String, member: String, arguments: [DBusValue]) {
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.arguments = arguments
    }

    init?(_ message: DBusMessage) {
        guard let path = message.path, let interface = message.interface, let member = message.member,
            let arguments = try? message.readAll()
        else { return nil }
        self.init(sender: message.sender, path: path, interface: interface, member: member, arguments: arguments)
    }
}
