import BusTesting
import DBus
import EventLoop
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
    }

    let bus: PrivateBus
    let loop: EventLoop
    let server: DBusConnection
    let client: DBusConnection
    let handlers: Handlers
    let service: StationBusService

    init(status: StationStatus = StationStatus(device: "AA:BB:CC:DD:EE:FF"), bus: PrivateBus? = nil) throws {
        self.bus = try bus ?? PrivateBus()
        loop = try EventLoop()
        server = try DBusConnection(.address(self.bus.address), loop: loop)
        client = try DBusConnection(.address(self.bus.address), loop: loop)
        let handlers = Handlers()
        self.handlers = handlers
        service = try StationBusService(
            connection: server, status: status,
            pause: { [handlers] duration throws(StationDaemonError) in
                if let error = handlers.pauseError { throw error }
                handlers.pauses.append(duration)
            },
            resume: { [handlers] in handlers.resumes += 1 },
            calibrate: { [handlers] duration, completion in
                handlers.calibrations.append((duration, completion))
                if let answer = handlers.calibrationAnswer { completion(answer) }
            }
        )
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
    func call(
        interface: String = StationBusService.interfaceName, _ member: String, _ arguments: [DBusValue] = []
    ) throws -> Result<[DBusValue], DBusError> {
        var result: Result<[DBusValue], DBusError>?
        try send(interface: interface, member, arguments) { result = $0 }
        guard loop.run(until: { result != nil }), let result else {
            throw ChildProcess.Failure(description: "\(member) got no reply")
        }
        return result
    }

    /// Calls without waiting; `reply` runs on the loop.
    func send(
        interface: String = StationBusService.interfaceName, _ member: String, _ arguments: [DBusValue] = [],
        reply: @escaping (Result<[DBusValue], DBusError>) -> Void
    ) throws {
        try client.call(
            destination: server.uniqueName(), path: StationBusService.objectPath, interface: interface, member: member,
            arguments: arguments, reply: reply)
    }

    /// `GetAll` of the station's interface, by name.
    func properties() throws -> [String: DBusValue] {
        let values = try call(
            interface: "org.freedesktop.DBus.Properties", "GetAll", [.string(StationBusService.interfaceName)]
        ).get()
        guard values.count == 1, let properties = values[0].variantDictionary else {
            throw ChildProcess.Failure(description: "GetAll answered \(values)")
        }
        return properties
    }
}
