import BlueZ
// The socket types (SOCK_SEQPACKET, SOCK_CLOEXEC) come into scope through libsystemd's headers: a fresh build
// does not find them through Glibc alone.
import CSystemd
import DBus
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// A small GATT application and advertisement on the card connection, registered on hci0: a service with a
/// write characteristic, a notify characteristic and a read characteristic; optionally offering AcquireWrite
/// and AcquireNotify. It records what bluetoothd sends it.
final class TestPeripheral {
    static let service: BluetoothUUID = "12340001-0000-4000-8000-00000000abcd"
    static let request: BluetoothUUID = "12340002-0000-4000-8000-00000000abcd"
    static let response: BluetoothUUID = "12340003-0000-4000-8000-00000000abcd"
    static let info: BluetoothUUID = "12340004-0000-4000-8000-00000000abcd"
    static let applicationPath: DBusObjectPath = "/org/example/app"
    static let advertisementPath: DBusObjectPath = "/org/example/advertisement"
    static let infoValue: [UInt8] = [1, 1, 2, 0, 0xFF, 0xFF, 0, 0, 0, 0]

    private(set) var writes: [(value: [UInt8], options: GattRequestOptions)] = []
    private(set) var acquireOptions: [GattRequestOptions] = []
    private(set) var notifyStarts = 0
    private(set) var notifyStops = 0
    private(set) var released = false
    /// Our ends of acquired sockets, live.
    private(set) var writeSocket: BlueZDatagramSocket?
    private(set) var notifySocket: BlueZDatagramSocket?
    private(set) var writeSocketClosed = false
    private(set) var notifySocketClosed = false
    /// How a write is answered (a failure tests error mapping).
    var writeAnswer: Result<Void, BlueZError> = .success(())

    private(set) var application: GattApplication!
    private(set) var advertisement: LEAdvertisement!
    private let fixture: EmulatorFixture

    init(_ fixture: EmulatorFixture, acquired: Bool = false, requestFlags: [String] = ["write", "write-without-response"]) throws {
        self.fixture = fixture
        let loop = fixture.loop
        var request = GattLocalCharacteristic(uuid: Self.request, flags: requestFlags, write: { [unowned self] value, options in
            writes.append((value, options))
            return writeAnswer
        })
        var response = GattLocalCharacteristic(
            uuid: Self.response, flags: ["notify"],
            startNotify: { [unowned self] in notifyStarts += 1 },
            stopNotify: { [unowned self] in notifyStops += 1 })
        if acquired {
            request.acquireWrite = { [unowned self] options in
                acquireOptions.append(options)
                return Result { () throws(BlueZError) in
                    let (mine, theirs) = try Self.socketPair()
                    writeSocket = try BlueZDatagramSocket(
                        mine, loop: loop, onDatagram: { [unowned self] in writes.append(($0, options)) },
                        onClose: { [unowned self] in writeSocketClosed = true })
                    return BlueZAcquiredSocket(fileDescriptor: theirs, mtu: options.mtu ?? 23)
                }
            }
            response.acquireNotify = { [unowned self] options in
                acquireOptions.append(options)
                return Result { () throws(BlueZError) in
                    let (mine, theirs) = try Self.socketPair()
                    notifySocket = try BlueZDatagramSocket(
                        mine, loop: loop, onDatagram: { _ in }, onClose: { [unowned self] in notifySocketClosed = true })
                    return BlueZAcquiredSocket(fileDescriptor: theirs, mtu: options.mtu ?? 23)
                }
            }
        }
        let info = GattLocalCharacteristic(uuid: Self.info, flags: ["read"], read: { _ in .success(Self.infoValue) })
        application = try GattApplication(
            connection: fixture.cardConnection, path: Self.applicationPath,
            services: [GattLocalService(uuid: Self.service, characteristics: [request, response, info])])
        advertisement = try LEAdvertisement(
            connection: fixture.cardConnection, path: Self.advertisementPath,
            content: LEAdvertisement.Content(serviceUUIDs: [Self.service], localName: "tester"),
            onRelease: { [unowned self] in released = true })
    }

    var adapter: BlueZAdapter { BlueZAdapter(client: fixture.card, path: EmulatorFixture.peripheralAdapter) }

    /// Registers the application, then the advertisement.
    func register() throws {
        try fixture.wait("RegisterApplication") { try adapter.registerApplication(Self.applicationPath, reply: $0) }
        try fixture.wait("RegisterAdvertisement") { try adapter.registerAdvertisement(Self.advertisementPath, reply: $0) }
    }

    var responseCharacteristic: GattExportedCharacteristic { application.characteristic(Self.response)! }

    static func socketPair() throws(BlueZError) -> (DBusFileDescriptor, DBusFileDescriptor) {
        var ends: [Int32] = [0, 0]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else {
            throw BlueZError(.failed, "socketpair: \(String(cString: strerror(errno)))")
        }
        return (DBusFileDescriptor(taking: ends[0]), DBusFileDescriptor(taking: ends[1]))
    }
}

extension EmulatorFixture {
    var centralAdapter: BlueZAdapter { BlueZAdapter(client: station, path: Self.centralAdapter) }
    var peripheralDevice: BlueZDevice { BlueZDevice(client: station, path: Self.peripheralDevice) }

    /// A started mirror of the station's view, loaded.
    func loadedMirror(events: @escaping (BlueZObjectMirror.Event) -> Void = { _ in }) throws -> BlueZObjectMirror {
        let mirror = BlueZObjectMirror(client: station, handler: events)
        try mirror.start()
        try expect("the mirror to load") { mirror.isLoaded }
        return mirror
    }

    /// Discovers the test peripheral from hci1 with a filter for its service (without a filter, BlueZ reports
    /// only advertisements flagged discoverable) and waits for it in `mirror`.
    func discoverPeripheral(_ mirror: BlueZObjectMirror) throws {
        try wait("SetDiscoveryFilter") {
            try centralAdapter.setDiscoveryFilter(BlueZDiscoveryFilter(uuids: [TestPeripheral.service], transport: .le), reply: $0)
        }
        try wait("StartDiscovery") { try centralAdapter.startDiscovery(reply: $0) }
        try expect("the peripheral to be discovered") { mirror.tree.device(at: Self.peripheralDevice) != nil }
    }

    /// Discovers the test peripheral, connects, and waits for ServicesResolved in `mirror`.
    func connectToPeripheral(_ mirror: BlueZObjectMirror) throws {
        try discoverPeripheral(mirror)
        try wait("Connect") { try peripheralDevice.connect(reply: $0) }
        try expect("ServicesResolved") { mirror.tree.device(at: Self.peripheralDevice)?.servicesResolved == true }
    }

    /// The station's remote characteristic `uuid` of the test service.
    func remote(_ mirror: BlueZObjectMirror, _ uuid: BluetoothUUID) throws -> BlueZGattCharacteristic {
        let properties = try mirror.tree.characteristic(uuid, service: TestPeripheral.service, of: Self.peripheralDevice)
        return BlueZGattCharacteristic(client: station, path: properties.path)
    }
}
