import DBus

/// A snapshot of bluetoothd's objects as `GetManagedObjects` gives them, kept current by applying
/// InterfacesAdded, InterfacesRemoved and PropertiesChanged; with typed views of adapters, devices and remote
/// GATT objects. Pure: no bus here (`BlueZObjectMirror` feeds it).
public struct BlueZObjectTree: Sendable {
    /// Interface name → property name → value.
    public typealias Interfaces = [String: [String: DBusValue]]

    public private(set) var objects: [DBusObjectPath: Interfaces]

    public init(objects: [DBusObjectPath: Interfaces] = [:]) {
        self.objects = objects
    }

    /// Reads a `GetManagedObjects` reply (`a{oa{sa{sv}}}`).
    public init(managedObjects values: [DBusValue]) throws(BlueZError) {
        guard values.count == 1, let entries = values[0].dictionaryEntries else {
            throw BlueZError(.unexpectedReply, "GetManagedObjects answered \(values.map(\.type))")
        }
        var objects: [DBusObjectPath: Interfaces] = [:]
        for entry in entries {
            guard let path = entry.key.objectPath, let interfaceEntries = entry.value.dictionaryEntries else {
                throw BlueZError(.unexpectedReply, "GetManagedObjects has an entry of type \(entry.key.type)")
            }
            var interfaces: Interfaces = [:]
            for interfaceEntry in interfaceEntries {
                guard let name = interfaceEntry.key.string, let properties = interfaceEntry.value.variantDictionary else {
                    throw BlueZError(.unexpectedReply, "GetManagedObjects has a malformed interface at \(path)")
                }
                interfaces[name] = properties
            }
            objects[path] = interfaces
        }
        self.objects = objects
    }

    public mutating func apply(_ added: DBusInterfacesAdded) {
        objects[added.object, default: [:]].merge(added.interfaces) { _, new in new }
    }

    public mutating func apply(_ removed: DBusInterfacesRemoved) {
        guard var interfaces = objects[removed.object] else { return }
        for name in removed.interfaces {
            interfaces[name] = nil
        }
        objects[removed.object] = interfaces.isEmpty ? nil : interfaces
    }

    /// Applies a change to an interface the tree has; a change for an unknown object or interface is ignored
    /// (it cannot be told apart from one that raced with the object's removal).
    public mutating func apply(_ change: DBusPropertiesChange) {
        guard var properties = objects[change.path]?[change.interface] else { return }
        properties.merge(change.changed) { _, new in new }
        for name in change.invalidated {
            properties[name] = nil
        }
        objects[change.path]?[change.interface] = properties
    }

    /// The properties of `interface` at `path`, if the object has it.
    public func properties(at path: DBusObjectPath, interface: String) -> [String: DBusValue]? {
        objects[path]?[interface]
    }

    // MARK: typed views, sorted by path

    public var adapters: [BlueZAdapterProperties] {
        views(BlueZNames.adapter) { path, properties, _ in BlueZAdapterProperties(path: path, properties: properties) }
    }

    public func adapter(at path: DBusObjectPath) -> BlueZAdapterProperties? {
        properties(at: path, interface: BlueZNames.adapter).map { BlueZAdapterProperties(path: path, properties: $0) }
    }

    /// Devices, all or those of one adapter.
    public func devices(adapter: DBusObjectPath? = nil) -> [BlueZDeviceProperties] {
        views(BlueZNames.device) { path, properties, _ in
            let device = BlueZDeviceProperties(path: path, properties: properties)
            return adapter == nil || device.adapter == adapter ? device : nil
        }
    }

    public func device(at path: DBusObjectPath) -> BlueZDeviceProperties? {
        properties(at: path, interface: BlueZNames.device).map { BlueZDeviceProperties(path: path, properties: $0) }
    }

    /// The remote GATT services of a device (objects below it).
    public func services(of device: DBusObjectPath) -> [BlueZGattServiceProperties] {
        views(BlueZNames.gattService) { path, properties, _ in
            guard path != device, path.isInside(device) else { return nil }
            return BlueZGattServiceProperties(path: path, properties: properties)
        }
    }

    /// The characteristics of a remote service.
    public func characteristics(of service: DBusObjectPath) -> [BlueZGattCharacteristicProperties] {
        views(BlueZNames.gattCharacteristic) { path, properties, _ in
            let characteristic = BlueZGattCharacteristicProperties(path: path, properties: properties)
            return characteristic.service == service ? characteristic : nil
        }
    }

    public func characteristic(at path: DBusObjectPath) -> BlueZGattCharacteristicProperties? {
        properties(at: path, interface: BlueZNames.gattCharacteristic).map {
            BlueZGattCharacteristicProperties(path: path, properties: $0)
        }
    }

    /// The first (lowest path) service with `uuid` under `device`.
    public func service(_ uuid: BluetoothUUID, of device: DBusObjectPath) -> BlueZGattServiceProperties? {
        services(of: device).first { $0.uuid == uuid }
    }

    /// The characteristic `uuid` of the first service `serviceUUID` under `device`; throws `.notFound`.
    public func characteristic(
        _ uuid: BluetoothUUID, service serviceUUID: BluetoothUUID, of device: DBusObjectPath
    ) throws(BlueZError) -> BlueZGattCharacteristicProperties {
        guard let service = service(serviceUUID, of: device) else {
            throw BlueZError(.notFound, "\(device) has no GATT service \(serviceUUID) (not resolved yet?)")
        }
        guard let characteristic = characteristics(of: service.path).first(where: { $0.uuid == uuid }) else {
            throw BlueZError(.notFound, "the service \(serviceUUID) of \(device) has no characteristic \(uuid)")
        }
        return characteristic
    }

    private func views<View>(
        _ interface: String, _ make: (DBusObjectPath, [String: DBusValue], Interfaces) -> View?
    ) -> [View] {
        objects.keys.sorted().compactMap { path in
            guard let interfaces = objects[path], let properties = interfaces[interface] else { return nil }
            return make(path, properties, interfaces)
        }
    }
}
