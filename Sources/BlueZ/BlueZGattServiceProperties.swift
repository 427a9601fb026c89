import DBus

/// A remote `org.bluez.GattService1` (doc/gatt-api.txt) under a device.
public struct BlueZGattServiceProperties: Sendable {
    public let path: DBusObjectPath
    public var raw: [String: DBusValue]

    public init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        raw = properties
    }

    public var uuid: BluetoothUUID? { raw["UUID"]?.string.flatMap(BluetoothUUID.init) }
    public var primary: Bool { raw["Primary"]?.boolean ?? false }
    public var device: DBusObjectPath? { raw["Device"]?.objectPath }
}
