import DBus

/// A peripheral's GATT application on the bus, ready for `BlueZAdapter.registerApplication(_:reply:)`: an
/// ObjectManager at `path`, a `GattService1` at `path/serviceN` and a `GattCharacteristic1` at
/// `path/serviceN/charM` for each declared one.
///
/// bluetoothd reads the tree once at registration (research/ble.md §1.1): objects added later are ignored, and
/// removing a service unregisters it at once. So the tree is fixed at init; `remove()` takes it all down.
public final class GattApplication {
    public let path: DBusObjectPath
    /// Every characteristic, in declaration order.
    public let characteristics: [GattExportedCharacteristic]

    private var objectManager: DBusRegistration?
    private var serviceObjects: [DBusExportedObject]

    public init(connection: DBusConnection, path: DBusObjectPath, services: [GattLocalService]) throws(BlueZError) {
        self.path = path
        do {
            let manager = try connection.addObjectManager(at: path)
            var serviceObjects: [DBusExportedObject] = []
            var characteristics: [GattExportedCharacteristic] = []
            for (serviceIndex, service) in services.enumerated() {
                let servicePath = try path.appending("service\(serviceIndex)")
                serviceObjects.append(
                    try connection.exportObject(at: servicePath, interfaces: [Self.serviceInterface(service)]))
                for (index, characteristic) in service.characteristics.enumerated() {
                    characteristics.append(
                        try GattExportedCharacteristic(
                            connection: connection, path: try servicePath.appending("char\(index)"),
                            service: servicePath, definition: characteristic))
                }
            }
            objectManager = manager
            self.serviceObjects = serviceObjects
            self.characteristics = characteristics
        } catch {
            throw BlueZError(error)
        }
    }

    deinit {
        remove()
    }

    /// The first characteristic with `uuid`.
    public func characteristic(_ uuid: BluetoothUUID) -> GattExportedCharacteristic? {
        characteristics.first { $0.definition.uuid == uuid }
    }

    /// Unexports everything (a registered application then disappears from BlueZ's database).
    public func remove() {
        characteristics.forEach { $0.remove() }
        serviceObjects.forEach { $0.remove() }
        serviceObjects = []
        objectManager?.cancel()
        objectManager = nil
    }

    private static func serviceInterface(_ service: GattLocalService) -> DBusInterface {
        DBusInterface(
            BlueZNames.gattService,
            properties: [
                DBusProperty("UUID", type: .string, changeSignal: .constant) { .string(service.uuid.rawValue) },
                DBusProperty("Primary", type: .boolean, changeSignal: .constant) { .boolean(service.primary) },
            ])
    }
}
