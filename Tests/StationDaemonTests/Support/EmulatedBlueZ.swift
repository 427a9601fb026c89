import BlueZ
import BusTesting
import DBus
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// Tests/BlueZEmulator's bluez-emulator on a private bus, one loop, and two connections on it: the card's, which
/// advertises a connectable service on hci0, and the station's (`station`, a BlueZClient), which discovers and
/// connects from hci1. The emulator's control interface sets the RSSI of the link and of advertisements. Killed on
/// release.
final class EmulatedBlueZ {
    static let stationAdapter: DBusObjectPath = "/org/bluez/hci1"
    /// The card (hci0, 00:AA:01:00:00:00) as the station sees it.
    static let cardDevice: DBusObjectPath = "/org/bluez/hci1/dev_00_AA_01_00_00_00"
    static let service: BluetoothUUID = "12340001-0000-4000-8000-00000000abcd"
    static let script: String = {
        // This file is Tests/StationDaemonTests/Support/EmulatedBlueZ.swift; the emulator is Tests/BlueZEmulator.
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/") + "/BlueZEmulator/bluez-emulator"
    }()

    let bus: PrivateBus
    let loop: EventLoop
    let station: BlueZClient
    private let stationConnection: DBusConnection
    private let cardConnection: DBusConnection
    private var advertisement: LEAdvertisement?
    private var pid: pid_t?
    private var output: Int32 = -1

    /// Starts the emulator and registers the card's advertisement.
    init() throws {
        bus = try PrivateBus()
        loop = try EventLoop()
        stationConnection = try DBusConnection(.address(bus.address), loop: loop)
        cardConnection = try DBusConnection(.address(bus.address), loop: loop)
        station = BlueZClient(connection: stationConnection, callTimeout: .seconds(10))
        var appeared = false
        var installed: Result<Void, BlueZError>?
        let watch = try station.watchOwner(installed: { installed = $0 }) { change in
            if change.newOwner != nil { appeared = true }
        }
        defer { watch.cancel() }
        guard loop.run(until: { installed != nil }), case .success = installed else {
            throw ChildProcess.Failure(description: "the NameOwnerChanged match was not installed: \(String(describing: installed))")
        }
        (pid, output) = try ChildProcess.spawn(["/bin/sh", Self.script], environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address])
        guard loop.run(until: { appeared }, timeout: .seconds(20)) else {
            throw ChildProcess.Failure(description: "the emulator did not own org.bluez in time")
        }
        let advertisement = try LEAdvertisement(
            connection: cardConnection, path: "/org/example/advertisement",
            content: LEAdvertisement.Content(serviceUUIDs: [Self.service]), onRelease: {})
        self.advertisement = advertisement
        let card = BlueZAdapter(client: BlueZClient(connection: cardConnection), path: "/org/bluez/hci0")
        try wait("RegisterAdvertisement") { try card.registerAdvertisement(advertisement.path, reply: $0) }
    }

    deinit {
        if let pid {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
            close(output)
        }
    }

    var stationAdapter: BlueZAdapter { BlueZAdapter(client: station, path: Self.stationAdapter) }
    var cardDevice: BlueZDevice { BlueZDevice(client: station, path: Self.cardDevice) }

    /// Discovers the card from hci1 with a filter for its service (so that every RSSI change is reported) and waits
    /// until its Device1 exists.
    func discoverCard() throws {
        try wait("SetDiscoveryFilter") {
            try stationAdapter.setDiscoveryFilter(BlueZDiscoveryFilter(uuids: [Self.service], transport: .le), reply: $0)
        }
        try wait("StartDiscovery") { try stationAdapter.startDiscovery(reply: $0) }
        let deadline = MonotonicInstant.now() + .seconds(10)
        while case .failure = try outcome("Device1.GetAll", { try cardDevice.properties(reply: $0) }) {
            guard MonotonicInstant.now() < deadline else {
                throw ChildProcess.Failure(description: "the card was not discovered in time")
            }
            _ = loop.run(until: { false }, timeout: .milliseconds(20))
        }
    }

    /// Discovers the card and connects to it (Connect answers once the link is up).
    func connectToCard() throws {
        try discoverCard()
        try wait("Connect") { try cardDevice.connect(reply: $0) }
    }

    /// Calls the emulator's control interface (`org.pivlink.Emulator1`).
    func control(_ member: String, _ arguments: [DBusValue] = []) throws {
        _ = try wait("Emulator1.\(member)") { done in
            try station.call(
                path: "/org/pivlink/emulator", interface: "org.pivlink.Emulator1", member: member, arguments: arguments,
                reply: done)
        }
    }

    /// Starts an asynchronous call and runs the loop until its reply; throws its error or a timeout.
    @discardableResult
    func wait<T>(_ what: String, _ start: (@escaping (Result<T, BlueZError>) -> Void) throws -> Void) throws -> T {
        try outcome(what, start).get()
    }

    /// Like `wait`, but returns the failure instead of throwing it.
    func outcome<T>(
        _ what: String, _ start: (@escaping (Result<T, BlueZError>) -> Void) throws -> Void
    ) throws -> Result<T, BlueZError> {
        var result: Result<T, BlueZError>?
        try start { result = $0 }
        guard loop.run(until: { result != nil }, timeout: .seconds(10)), let result else {
            throw ChildProcess.Failure(description: "no reply to \(what) in time")
        }
        return result
    }

    /// Runs the loop until `condition` holds; throws after `timeout`.
    func expect(_ what: String, timeout: Duration = .seconds(5), _ condition: () -> Bool) throws {
        guard loop.run(until: condition, timeout: timeout) else {
            throw ChildProcess.Failure(description: "timed out waiting for \(what)")
        }
    }
}
