import DBus

/// A remote `org.bluez.GattCharacteristic1` (doc/gatt-api.txt) under a device's service.
public struct BlueZGattCharacteristicProperties: Sendable {
    public let path: DBusObjectPath
    public var raw: [String: DBusValue]

    public init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        raw = properties
    }

    public var uuid: BluetoothUUID? { raw["UUID"]?.string.flatMap(BluetoothUUID.init) }
    public var service: DBusObjectPath? { raw["Service"]?.objectPath }
    /// "read", "write", "write-without-response", "notify", …
    public var flags: [String] { raw["Flags"]?.strings ?? [] }
    /// The link's ATT MTU (BlueZ ≥ 5.62); nil when BlueZ does not say.
    public var mtu: Int? { raw["MTU"]?.uint16.map(Int.init) }
    /// The cached value: the last read or notification.
    public var value: [UInt8]? { raw["Value"]?.bytes }
    public var notifying: Bool { raw["Notifying"]?.boolean ?? false }
    /// Present (true or false) when BlueZ offers AcquireWrite; true while a socket is held.
    public var writeAcquired: Bool? { raw["WriteAcquired"]?.boolean }
    /// Present (true or false) when BlueZ offers AcquireNotify; true while a socket is held.
    public var notifyAcquired: Bool? { raw["NotifyAcquired"]?.boolean }
}
