import BusTesting
import DBus
import EventLoop

/// A private bus, one loop, and two connections to the bus on that loop: `server` exports, `client`
/// calls — both in this process, both served by the same loop.
final class BusFixture {
    let bus: PrivateBus
    let loop: EventLoop
    let server: DBusConnection
    let client: DBusConnection

    init() throws {
        bus = try PrivateBus()
        loop = try EventLoop()
        server = try DBusConnection(.address(bus.address), loop: loop)
        client = try DBusConnection(.address(bus.address), loop: loop)
    }

    /// Exports, on `server`, an object at `path` with one interface that has only `methods`.
    func exportMethods(at path: DBusObjectPath, interface: String, _ methods: [DBusMethod]) throws -> DBusExportedObject {
        try server.exportObject(at: path, interfaces: [DBusInterface(interface, methods: methods)])
    }

    /// Calls from `client` (to `server` unless told otherwise) and runs the loop until the reply; nil if
    /// none came in time.
    func call(
        destination: String? = nil,
        path: DBusObjectPath,
        interface: String?,
        member: String,
        arguments: [DBusValue] = [],
        timeout: Duration = .seconds(10)
    ) throws -> Result<[DBusValue], DBusError>? {
        var result: Result<[DBusValue], DBusError>?
        try client.call(
            destination: destination ?? server.uniqueName(), path: path, interface: interface, member: member,
            arguments: arguments, timeout: timeout
        ) { result = $0 }
        _ = loop.run(until: { result != nil }, timeout: timeout + .seconds(5))
        return result
    }

    /// Adds a match (on `client` unless told otherwise) and waits until the bus has installed it, so that
    /// signals sent from now on by any connection reach it.
    func installedMatch(
        _ rule: DBusMatchRule, on connection: DBusConnection? = nil, handler: @escaping (DBusSignal) -> Void
    ) throws -> DBusRegistration {
        var installed: Result<Void, DBusError>?
        let registration = try (connection ?? client).match(rule, installed: { installed = $0 }, handler: handler)
        guard loop.run(until: { installed != nil }), case .success = installed else {
            throw ChildProcess.Failure(description: "the match \(rule) was not installed: \(String(describing: installed))")
        }
        return registration
    }
}
