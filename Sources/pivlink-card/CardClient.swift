import ArgumentParser
import CardDaemon
import DBus
import EventLoop
import Foundation

/// The running card daemon as `pivlink-card pair`, `unpair` and `status` reach it: `org.pivlink.Card1` on the
/// system bus (`$DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket).
struct CardClient {
    /// The exit status when the daemon is not running (its name is not on the bus, or there is no system bus).
    static let notRunningStatus = DaemonCallFailure.notRunningStatus

    private let loop: EventLoop
    private let connection: DBusConnection

    /// Runs `body` with a client; a failure is printed as one line on stderr and ends pivlink-card with its status.
    static func perform(_ body: (CardClient) throws(CardClientFailure) -> Void) throws {
        do {
            try body(try CardClient())
        } catch {
            FileHandle.standardError.write(Data("pivlink-card: \(error.message)\n".utf8))
            throw ExitCode(error.status)
        }
    }

    init() throws(CardClientFailure) {
        do {
            loop = try EventLoop()
        } catch {
            throw CardClientFailure("cannot start an event loop: \(error)", status: 1)
        }
        do {
            connection = try DBusConnection(.system, loop: loop)
        } catch {
            throw CardClientFailure(
                "the card daemon is not running: the system bus cannot be reached (\(error.message))",
                status: Self.notRunningStatus)
        }
    }

    /// The daemon's status, from every property of `org.pivlink.Card1`.
    func status() throws(CardClientFailure) -> CardBusStatus {
        try Self.status(from: properties())
    }

    /// Calls a method of `org.pivlink.Card1`.
    @discardableResult
    func call(_ member: String, arguments: [DBusValue] = []) throws(CardClientFailure) -> [DBusValue] {
        try call(interface: CardBusService.interfaceName, member: member, arguments: arguments)
    }

    /// Waits until the status satisfies `condition`, at most `timeout`: the status then, or nil at the timeout.
    /// Follows PropertiesChanged, so it sees every change from the moment it starts.
    ///
    /// Each wait runs on a connection and loop of its own: a loop that has exited cannot run again, and sd-bus
    /// closes a bus attached to a loop when that loop exits. The snapshot (GetAll) is asked for once the match is
    /// in place and read in the same stream as the signals, so a change before it is superseded by it and every
    /// change after it lands on top of it.
    func wait(timeout: Duration, until condition: @escaping (CardBusStatus) -> Bool) throws(CardClientFailure)
        -> CardBusStatus?
    {
        try CardClient().waitOnce(timeout: timeout, until: condition)
    }

    private func waitOnce(timeout: Duration, until condition: @escaping (CardBusStatus) -> Bool) throws(CardClientFailure)
        -> CardBusStatus?
    {
        var properties: [String: DBusValue]?
        var failure: CardClientFailure?
        var satisfied: CardBusStatus?
        let check = { [loop] in
            guard let properties else { return }
            do throws(CardClientFailure) {
                let status = try Self.status(from: properties)
                if condition(status) {
                    satisfied = status
                    loop.exit(0)
                }
            } catch {
                failure = error
                loop.exit(0)
            }
        }
        let fail = { [loop] (error: CardClientFailure) in
            failure = error
            loop.exit(0)
        }
        let registration: DBusRegistration
        do throws(DBusError) {
            registration = try connection.matchPropertiesChanged(
                sender: CardBusService.busName, pathNamespace: CardBusService.objectPath,
                interface: CardBusService.interfaceName,
                installed: { [connection] result in
                    if case .failure(let error) = result { return fail(CardClientFailure(error)) }
                    do throws(DBusError) {
                        try connection.call(
                            destination: CardBusService.busName, path: CardBusService.objectPath,
                            interface: "org.freedesktop.DBus.Properties", member: "GetAll",
                            arguments: [.string(CardBusService.interfaceName)]
                        ) { reply in
                            switch reply {
                            case .success(let values):
                                guard values.count == 1, let snapshot = values[0].variantDictionary else {
                                    return fail(Self.unreadableGetAll(values))
                                }
                                // Every change before the reply came before the snapshot, which supersedes them.
                                properties = snapshot
                                check()
                            case .failure(let error):
                                fail(CardClientFailure(error))
                            }
                        }
                    } catch {
                        fail(CardClientFailure(error))
                    }
                }
            ) { change in
                // Before the snapshot there is nothing whole to change yet.
                guard let current = properties else { return }
                properties = current.merging(change.changed) { $1 }
                check()
            }
        } catch {
            throw CardClientFailure(error)
        }
        defer { registration.cancel() }
        do {
            let timer = try loop.makeTimer { [loop] in loop.exit(0) }
            try timer.arm(at: loop.now().advanced(by: timeout))
            _ = try loop.run()
        } catch {
            throw CardClientFailure("the event loop failed: \(error)", status: 1)
        }
        if let failure { throw failure }
        return satisfied
    }

    private func properties() throws(CardClientFailure) -> [String: DBusValue] {
        let values = try call(
            interface: "org.freedesktop.DBus.Properties", member: "GetAll",
            arguments: [.string(CardBusService.interfaceName)])
        guard values.count == 1, let properties = values[0].variantDictionary else {
            throw Self.unreadableGetAll(values)
        }
        return properties
    }

    private static func unreadableGetAll(_ values: [DBusValue]) -> CardClientFailure {
        CardClientFailure("the card daemon answered GetAll with \(values): update pivlink-card to its version", status: 1)
    }

    private static func status(from properties: [String: DBusValue]) throws(CardClientFailure) -> CardBusStatus {
        do {
            return try CardBusProperty.status(from: properties)
        } catch {
            throw CardClientFailure(error.detail, status: 1)
        }
    }

    private func call(interface: String, member: String, arguments: [DBusValue]) throws(CardClientFailure)
        -> [DBusValue]
    {
        do {
            return try connection.callAndWait(
                destination: CardBusService.busName, path: CardBusService.objectPath, interface: interface,
                member: member, arguments: arguments)
        } catch {
            throw CardClientFailure(error)
        }
    }
}

/// Why a command against the daemon failed, in one line, and the exit status for it.
typealias CardClientFailure = DaemonCallFailure

extension DaemonCallFailure {
    init(_ error: DBusError) {
        self.init(error, daemon: "the card daemon", busName: CardBusService.busName, start: "start pivlink-card serve --ble")
    }
}
