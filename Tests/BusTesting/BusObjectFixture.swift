import DBus
import EventLoop
import Foundation

/// A private bus with two connections on one loop: `server`, where the test exports the object at `path`, and
/// `client`, which calls it. The calls run the loop until their reply.
public final class BusObjectFixture {
    public let bus: PrivateBus
    public let loop: EventLoop
    public let server: DBusConnection
    public let client: DBusConnection
    /// The exported object's path and main interface, which the calls default to.
    public let path: DBusObjectPath
    public let interface: String

    /// On `bus`, or on a fresh open private bus.
    public init(path: DBusObjectPath, interface: String, bus: PrivateBus? = nil) throws {
        self.bus = try bus ?? PrivateBus()
        self.path = path
        self.interface = interface
        loop = try EventLoop()
        server = try DBusConnection(.address(self.bus.address), loop: loop)
        client = try DBusConnection(.address(self.bus.address), loop: loop)
    }

    /// Calls the object from `client` (its main interface unless `interface` is given) and runs the loop until
    /// the reply.
    public func call(interface: String? = nil, _ member: String, _ arguments: [DBusValue] = []) throws
        -> Result<[DBusValue], DBusError>
    {
        var result: Result<[DBusValue], DBusError>?
        try send(interface: interface, member, arguments) { result = $0 }
        guard loop.run(until: { result != nil }), let result else {
            throw ChildProcess.Failure(description: "\(member) got no reply")
        }
        return result
    }

    /// Calls without waiting; `reply` runs on the loop.
    public func send(
        interface: String? = nil, _ member: String, _ arguments: [DBusValue] = [],
        reply: @escaping (Result<[DBusValue], DBusError>) -> Void
    ) throws {
        try client.call(
            destination: server.uniqueName(), path: path, interface: interface ?? self.interface, member: member,
            arguments: arguments, reply: reply)
    }

    /// `GetAll` of the main interface, by name.
    public func properties() throws -> [String: DBusValue] {
        let values = try call(interface: "org.freedesktop.DBus.Properties", "GetAll", [.string(interface)]).get()
        guard values.count == 1, let properties = values[0].variantDictionary else {
            throw ChildProcess.Failure(description: "GetAll answered \(values)")
        }
        return properties
    }

    /// The `<interface name="…">…</interface>` element of the object's introspection and of the repository's
    /// `dbus/<file>`, comments removed and whitespace normalised, to compare; `file` also comes back whole.
    public func introspectedInterface(against file: String) throws -> (served: String?, file: String?, wholeFile: String) {
        let served = try call(interface: "org.freedesktop.DBus.Introspectable", "Introspect").get().first?.string ?? ""
        let text = try String(contentsOf: Self.repository.appendingPathComponent("dbus/\(file)"), encoding: .utf8)
        return (Self.interfaceElement(interface, in: served), Self.interfaceElement(interface, in: text), text)
    }

    /// The repository's root, where dbus/ is.
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `<interface name="…">…</interface>` element, comments removed, whitespace between elements dropped and any
    /// other run of it one space.
    private static func interfaceElement(_ name: String, in xml: String) -> String? {
        let text = xml.replacingOccurrences(of: "<!--[\\s\\S]*?-->", with: "", options: .regularExpression)
        guard let start = text.range(of: "<interface name=\"\(name)\">"),
            let end = text.range(of: "</interface>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.lowerBound..<end.upperBound])
            .replacingOccurrences(of: ">\\s+<", with: "><", options: .regularExpression)
            .replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }
}
