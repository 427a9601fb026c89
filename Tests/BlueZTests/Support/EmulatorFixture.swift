import BlueZ
import BusTesting
import DBus
import EventLoop

/// A private bus with the BlueZ emulator, one loop, and two connections on it: `card` for the peripheral
/// (adapter hci0) and `station` for the central (adapter hci1), each with its BlueZClient.
final class EmulatorFixture {
    static let peripheralAdapter: DBusObjectPath = "/org/bluez/hci0"
    static let centralAdapter: DBusObjectPath = "/org/bluez/hci1"
    /// The peripheral (hci0, 00:AA:01:00:00:00) as the central sees it.
    static let peripheralDevice: DBusObjectPath = "/org/bluez/hci1/dev_00_AA_01_00_00_00"
    /// The central (hci1, 00:AA:01:01:00:01) as the peripheral sees it.
    static let centralDevice: DBusObjectPath = "/org/bluez/hci0/dev_00_AA_01_01_00_01"
    static let controlPath: DBusObjectPath = "/org/pivlink/emulator"
    static let controlInterface = "org.pivlink.Emulator1"

    let bus: PrivateBus
    let loop: EventLoop
    let cardConnection: DBusConnection
    let stationConnection: DBusConnection
    let card: BlueZClient
    let station: BlueZClient
    private(set) var emulator: EmulatorProcess?

    init(startEmulator: Bool = true) throws {
        bus = try PrivateBus()
        loop = try EventLoop()
        cardConnection = try DBusConnection(.address(bus.address), loop: loop)
        stationConnection = try DBusConnection(.address(bus.address), loop: loop)
        card = BlueZClient(connection: cardConnection, callTimeout: .seconds(10))
        station = BlueZClient(connection: stationConnection, callTimeout: .seconds(10))
        if startEmulator {
            try startBlueZ()
        }
    }

    /// Starts the emulator and waits until it owns org.bluez.
    func startBlueZ() throws {
        emulator = try EmulatorProcess(busAddress: bus.address)
        let deadline = MonotonicInstant.now() + .seconds(20)
        while MonotonicInstant.now() < deadline {
            if try wait("GetNameOwner", { try station.currentOwner(reply: $0) }) != nil {
                return
            }
            _ = loop.run(until: { false }, timeout: .milliseconds(50))
        }
        throw ChildProcess.Failure(description: "the emulator did not own org.bluez in time")
    }

    func stopBlueZ(signal: Int32) {
        emulator?.stop(signal: signal)
        emulator = nil
    }

    /// Starts an asynchronous call and runs the loop until its reply; throws its error or a timeout.
    func wait<T>(
        _ what: String, timeout: Duration = .seconds(15),
        _ start: (@escaping (Result<T, BlueZError>) -> Void) throws -> Void
    ) throws -> T {
        try outcome(what, timeout: timeout, start).get()
    }

    /// Like `wait`, but returns the failure instead of throwing it.
    func outcome<T>(
        _ what: String, timeout: Duration = .seconds(15),
        _ start: (@escaping (Result<T, BlueZError>) -> Void) throws -> Void
    ) throws -> Result<T, BlueZError> {
        var result: Result<T, BlueZError>?
        try start { result = $0 }
        guard loop.run(until: { result != nil }, timeout: timeout), let result else {
            throw ChildProcess.Failure(description: "no reply to \(what) in time")
        }
        return result
    }

    /// Runs the loop until `condition` holds; throws after `timeout`.
    func expect(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) throws {
        guard loop.run(until: condition, timeout: timeout) else {
            throw ChildProcess.Failure(description: "timed out waiting for \(what)")
        }
    }

    /// Calls the emulator's control interface.
    @discardableResult
    func control(_ member: String, _ arguments: [DBusValue] = []) throws -> [DBusValue] {
        try wait("Emulator1.\(member)") { done in
            try station.call(path: Self.controlPath, interface: Self.controlInterface, member: member, arguments: arguments, reply: done)
        }
    }
}
