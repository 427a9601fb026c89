import BlueZ
import DBus
import Testing

@Suite struct BlueZObjectTreeTests {
    static let device: DBusObjectPath = "/org/bluez/hci1/dev_00_AA_01_00_00_00"
    static let service: DBusObjectPath = "/org/bluez/hci1/dev_00_AA_01_00_00_00/service003d"
    static let characteristic: DBusObjectPath = "/org/bluez/hci1/dev_00_AA_01_00_00_00/service003d/char003e"
    static let serviceUUID: BluetoothUUID = "898a0001-6249-4f6c-b878-318bb3580b9c"
    static let requestUUID: BluetoothUUID = "898a0002-6249-4f6c-b878-318bb3580b9c"

    static func reply(_ objects: [(DBusObjectPath, [String: [String: DBusValue]])]) -> [DBusValue] {
        [.dictionary(key: .objectPath, value: .dictionary(key: .string, value: .dictionary(key: .string, value: .variant)),
                     objects.map { path, interfaces in
                         (.objectPath(path), .dictionary(key: .string, value: .dictionary(key: .string, value: .variant),
                                                         interfaces.map { (.string($0.key), .variantDictionary($0.value)) }))
                     })]
    }

    static func sample() throws -> BlueZObjectTree {
        try BlueZObjectTree(managedObjects: reply([
            ("/org/bluez/hci0", [BlueZNames.adapter: ["Address": .string("00:AA:01:00:00:00"), "Powered": .boolean(true)]]),
            ("/org/bluez/hci1", [BlueZNames.adapter: ["Address": .string("00:AA:01:01:00:01")]]),
            (device, [
                BlueZNames.device: [
                    "Address": .string("00:AA:01:00:00:00"), "Adapter": .objectPath("/org/bluez/hci1"),
                    "Connected": .boolean(true), "RSSI": .int16(-60), "UUIDs": .strings([serviceUUID.rawValue, "bogus"]),
                    "ServiceData": .variantDictionary(["180f": .bytes([1, 2])]),
                    "ManufacturerData": .dictionary(key: .uint16, value: .variant, [(.uint16(0xFFFF), .variant(.bytes([9])))]),
                ],
                "org.freedesktop.DBus.Properties": [:],
            ]),
            (service, [BlueZNames.gattService: ["UUID": .string(serviceUUID.rawValue), "Primary": .boolean(true),
                                                "Device": .objectPath(device)]]),
            (characteristic, [BlueZNames.gattCharacteristic: [
                "UUID": .string(requestUUID.rawValue), "Service": .objectPath(service),
                "Flags": .strings(["write", "write-without-response"]), "MTU": .uint16(517), "WriteAcquired": .boolean(false),
            ]]),
        ]))
    }

    @Test func aManagedObjectsReplyReadsIntoTypedViews() throws {
        let tree = try Self.sample()
        #expect(tree.adapters.map(\.name) == ["hci0", "hci1"])
        #expect(tree.adapter(at: "/org/bluez/hci0")?.powered == true)
        let device = try #require(tree.device(at: Self.device))
        #expect(device.address == "00:AA:01:00:00:00")
        #expect(device.connected && !device.servicesResolved)
        #expect(device.rssi == -60)
        #expect(device.uuids == [Self.serviceUUID])
        #expect(device.serviceData == ["0000180f-0000-1000-8000-00805f9b34fb": [1, 2]])
        #expect(device.manufacturerData == [0xFFFF: [9]])
        #expect(tree.devices(adapter: "/org/bluez/hci0").isEmpty)
        let characteristic = try tree.characteristic(Self.requestUUID, service: Self.serviceUUID, of: Self.device)
        #expect(characteristic.path == Self.characteristic)
        #expect(characteristic.mtu == 517)
        #expect(characteristic.writeAcquired == false)
        #expect(characteristic.notifyAcquired == nil)
        #expect(characteristic.flags == ["write", "write-without-response"])
    }

    @Test func aMissingServiceOrCharacteristicIsNotFound() throws {
        let tree = try Self.sample()
        #expect(throws: BlueZError.self) { try tree.characteristic(Self.requestUUID, service: "180f", of: Self.device) }
        do {
            _ = try tree.characteristic("180f", service: Self.serviceUUID, of: Self.device)
            Issue.record("found a characteristic that does not exist")
        } catch {
            #expect(error.code == .notFound)
        }
    }

    @Test func signalsKeepTheTreeCurrent() throws {
        var tree = try Self.sample()
        tree.apply(try #require(DBusPropertiesChange(DBusSignal(
            sender: ":1.1", path: Self.device, interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged",
            arguments: [.string(BlueZNames.device), .variantDictionary(["ServicesResolved": .boolean(true)]), .strings(["RSSI"])]))))
        #expect(tree.device(at: Self.device)?.servicesResolved == true)
        #expect(tree.device(at: Self.device)?.rssi == nil)
        tree.apply(try #require(DBusInterfacesRemoved(DBusSignal(
            sender: ":1.1", path: "/", interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesRemoved",
            arguments: [.objectPath(Self.characteristic), .strings([BlueZNames.gattCharacteristic])]))))
        #expect(tree.objects[Self.characteristic] == nil)
        #expect(tree.characteristics(of: Self.service).isEmpty)
        tree.apply(try #require(DBusInterfacesAdded(DBusSignal(
            sender: ":1.1", path: "/", interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesAdded",
            arguments: [.objectPath(Self.characteristic), .dictionary(
                key: .string, value: .dictionary(key: .string, value: .variant),
                [(.string(BlueZNames.gattCharacteristic), .variantDictionary([
                    "UUID": .string(Self.requestUUID.rawValue), "Service": .objectPath(Self.service)]))])]))))
        #expect(tree.characteristics(of: Self.service).map(\.path) == [Self.characteristic])
    }

    @Test func aChangeForAnUnknownObjectIsIgnored() throws {
        var tree = try Self.sample()
        let before = tree.objects.count
        tree.apply(try #require(DBusPropertiesChange(DBusSignal(
            sender: ":1.1", path: "/org/bluez/hci1/dev_11", interface: "org.freedesktop.DBus.Properties",
            member: "PropertiesChanged",
            arguments: [.string(BlueZNames.device), .variantDictionary(["Connected": .boolean(true)]), .strings([])]))))
        #expect(tree.objects.count == before)
    }

    @Test func aReplyOfTheWrongShapeIsRefused() {
        #expect(throws: BlueZError.self) { try BlueZObjectTree(managedObjects: [.string("no")]) }
        #expect(throws: BlueZError.self) { try BlueZObjectTree(managedObjects: []) }
    }
}
