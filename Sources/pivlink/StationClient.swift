import ArgumentParser
import DBus
import EventLoop
import Foundation
import StationDaemon

/// The station as `pivlink status`, `pause`, `resume` and `calibrate` reach it: `org.pivlink.Station1` on the system
/// bus (`$DBUS_SYSTEM_BUS_ADDRESS`, else /run/dbus/system_bus_socket), through blocking calls.
struct StationClient {
    /// The exit status when the station is not running (its name is not on the bus, or there is no system bus).
    static let notRunningStatus = DaemonCallFailure.notRunningStatus

    private let loop: EventLoop
    private let connection: DBusConnection

    /// Runs `body` with a client; a failure is printed as one line on stderr and ends pivlink with its status.
    static func perform(_ body: (StationClient) throws(StationClientFailure) -> Void) throws {
        do {
            try body(try StationClient())
        } catch {
            FileHandle.standardError.write(Data("pivlink: \(error.message)\n".utf8))
            throw ExitCode(error.status)
        }
    }

    private init() throws(StationClientFailure) {
        do {
            loop = try EventLoop()
        } catch {
            throw StationClientFailure("cannot start an event loop: \(error)", status: 1)
        }
        do {
            connection = try DBusConnection(.system, loop: loop)
        } catch {
            throw StationClientFailure(
                "the station is not running: the system bus cannot be reached (\(error.message))",
                status: Self.notRunningStatus)
        }
    }

    /// Every property of `org.pivlink.Station1`, by name.
    func properties() throws(StationClientFailure) -> [String: DBusValue] {
        let values = try call(
            interface: "org.freedesktop.DBus.Properties", member: "GetAll",
            arguments: [.string(StationBusService.interfaceName)])
        guard values.count == 1, let properties = values[0].variantDictionary else {
            throw StationClientFailure("the station answered GetAll with \(values): update pivlink to the station's version", status: 1)
        }
        return properties
    }

    /// Calls a method of `org.pivlink.Station1`.
    func call(_ member: String, arguments: [DBusValue] = [], timeout: Duration = DBusConnection.defaultTimeout)
        throws(StationClientFailure) -> [DBusValue]
    {
        try call(interface: StationBusService.interfaceName, member: member, arguments: arguments, timeout: timeout)
    }

    private func call(
        interface: String, member: String, arguments: [DBusValue], timeout: Duration = DBusConnection.defaultTimeout
    ) throws(StationClientFailure) -> [DBusValue] {
        do {
            return try connection.callAndWait(
                destination: StationBusService.busName, path: StationBusService.objectPath, interface: interface,
                member: member, arguments: arguments, timeout: timeout)
        } catch {
            throw StationClientFailure(error)
        }
    }
}

/// Why a command against the daemon failed, in one line, and the exit status for it.
typealias StationClientFailure = DaemonCallFailure

extension DaemonCallFailure {
    init(_ error: DBusError) {
        self.init(error, daemon: "the station", busName: StationBusService.busName, start: "systemctl start pivlink-station")
    }
}

extension StationClient {
    /// The station's properties as a status.
    func status() throws(StationClientFailure) -> StationStatus {
        let properties = try properties()
        do throws(StationDaemonError) {
            return try StationBusProperty.status(from: properties)
        } catch {
            throw StationClientFailure(error.detail, status: 1)
        }
    }

    /// Reads the status every 200 ms until `condition` holds or `deadline` passed; returns the last one read.
    func waitForStatus(until deadline: Date, _ condition: (StationStatus) -> Bool) throws(StationClientFailure) -> StationStatus {
        var status = try status()
        while !condition(status), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            status = try self.status()
        }
        return status
    }
}
