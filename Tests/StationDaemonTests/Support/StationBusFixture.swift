import BusTesting
import DBus
import EventLoop
import Foundation
import Pairing
import StationDaemon

/// A `StationBusService` on a private bus, with handlers that record what they are asked, and a second connection
/// (`client`) on the same loop to call it from.
final class StationBusFixture {
    /// What the service's handlers were asked; the handlers hold this, not the fixture, so nothing is retained in a
    /// cycle.
    final class Handlers {
        var pauses: [Duration] = []
        var resumes = 0
        var calibrations: [(duration: Duration, completion: (Result<Double, StationDaemonError>) -> Void)] = []
        /// What `pause` throws, if anything.
        var pauseError: StationDaemonError?
        /// When set, `calibrate` completes with it at once (for callers that block, such as pivlink).
        var calibrationAnswer: Result<Double, StationDaemonError>?
        var pairs: [(name: String, duration: Duration)] = []
        var confirmations: [PairingCode] = []
        var rejections = 0
        var cancellations = 0
        /// What the pairing handlers throw, if anything.
        var pairingError: StationDaemonError?
        var unpairs: [PairingFingerprint] = []
        /// What `unpair` completes with, at once.
        var unpairAnswer: Result<Bool, StationDaemonError> = .success(false)
    }

    /// The private bus, the loop and the two connections; the calls go to the station's object.
    let objects: BusObjectFixture
    let handlers: Handlers
    let service: StationBusService

    var bus: PrivateBus { objects.bus }
    var loop: EventLoop { objects.loop }
    var server: DBusConnection { objects.server }
    var client: DBusConnection { objects.client }

    init(status: StationStatus = StationStatus(device: "AA:BB:CC:DD:EE:FF"), bus: PrivateBus? = nil) throws {
        objects = try BusObjectFixture(
            path: StationBusService.objectPath, interface: StationBusService.interfaceName, bus: bus)
        let handlers = Handlers()
        self.handlers = handlers
        service = try StationBusService(
            connection: objects.server, status: status,
            pause: { [handlers] duration throws(StationDaemonError) in
                if let error = handlers.pauseError { throw error }
                handlers.pauses.append(duration)
            },
            resume: { [handlers] in handlers.resumes += 1 },
            calibrate: { [handlers] duration, completion in
                handlers.calibrations.append((duration, completion))
                if let answer = handlers.calibrationAnswer { completion(answer) }
            },
            pairing: StationPairingCalls(
                pair: { [handlers] name, duration throws(StationDaemonError) in
                    if let error = handlers.pairingError { throw error }
                    handlers.pairs.append((name, duration))
                },
                confirm: { [handlers] code throws(StationDaemonError) in
                    if let error = handlers.pairingError { throw error }
                    handlers.confirmations.append(code)
                },
                reject: { [handlers] () throws(StationDaemonError) in handlers.rejections += 1 },
                cancel: { [handlers] () throws(StationDaemonError) in handlers.cancellations += 1 },
                unpair: { [handlers] fingerprint, completion in
                    handlers.unpairs.append(fingerprint)
                    completion(handlers.unpairAnswer)
                })
        )
    }

    /// A private bus that allows and denies as Debian's system.conf does by default (method calls and names only
    /// where a policy file opens them) with dbus/org.pivlink.Station1.conf included as system.d's files are, its
    /// group made `group` as scripts/install --group does. The rewritten policy goes to `policyFile`, which the
    /// caller removes.
    static func systemBus(policyGroup group: String, policyFile: URL) throws -> PrivateBus {
        let policy = try String(
            contentsOf: BusObjectFixture.repository.appendingPathComponent("dbus/org.pivlink.Station1.conf"), encoding: .utf8)
        try policy.replacingOccurrences(of: "group=\"pivlink\"", with: "group=\"\(group)\"")
            .write(to: policyFile, atomically: true, encoding: .utf8)
        return try PrivateBus(configuration: """
            <type>system</type>
            <policy context="default">
              <allow user="*"/>
              <deny own="*"/>
              <deny send_type="method_call"/>
              <allow send_type="signal"/>
              <allow send_requested_reply="true" send_type="method_return"/>
              <allow send_requested_reply="true" send_type="error"/>
              <allow receive_type="method_call"/>
              <allow receive_type="method_return"/>
              <allow receive_type="error"/>
              <allow receive_type="signal"/>
              <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
              <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
            </policy>
            <include>\(policyFile.path)</include>
            """)
    }

    /// A file name for one test's rewritten policy.
    static func temporaryPolicyFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "pivlink-policy-\(getpid())-\(UInt32.random(in: 0..<1_000_000)).conf")
    }

    /// Requests the well-known name and runs the loop until the bus answers.
    func requestName() throws -> Result<Void, StationDaemonError> {
        var result: Result<Void, StationDaemonError>?
        service.requestName { result = $0 }
        guard loop.run(until: { result != nil }), let result else {
            throw ChildProcess.Failure(description: "RequestName got no answer")
        }
        return result
    }

    /// Calls the station's object from `client` and runs the loop until the reply.
    func call(interface: String? = nil, _ member: String, _ arguments: [DBusValue] = []) throws
        -> Result<[DBusValue], DBusError>
    {
        try objects.call(interface: interface, member, arguments)
    }

    /// Calls without waiting; `reply` runs on the loop.
    func send(
        interface: String? = nil, _ member: String, _ arguments: [DBusValue] = [],
        reply: @escaping (Result<[DBusValue], DBusError>) -> Void
    ) throws {
        try objects.send(interface: interface, member, arguments, reply: reply)
    }

    /// `GetAll` of the station's interface, by name.
    func properties() throws -> [String: DBusValue] {
        try objects.properties()
    }
}
