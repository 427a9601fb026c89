import DBus

/// `org.bluez.Device1`'s properties as read (doc/device-api.txt); absent or mistyped ones read as nil/false.
///
/// RSSI and TxPower exist only while discovery sees the device advertise: BlueZ drops them when discovery
/// stops (research/ble.md §1.4), so nil is the normal state of a connected device.
public struct BlueZDeviceProperties: Sendable {
    public let path: DBusObjectPath
    public var raw: [String: DBusValue]

    public init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        raw = properties
    }

    /// Applies a PropertiesChanged of this device.
    public mutating func apply(_ change: DBusPropertiesChange) {
        raw.merge(change.changed) { _, new in new }
        for name in change.invalidated {
            raw[name] = nil
        }
    }

    public var adapter: DBusObjectPath? { raw["Adapter"]?.objectPath }
    /// `AA:BB:CC:DD:EE:FF`.
    public var address: String? { raw["Address"]?.string }
    /// "public" or "random".
    public var addressType: String? { raw["AddressType"]?.string }
    public var name: String? { raw["Name"]?.string }
    public var alias: String? { raw["Alias"]?.string }
    public var connected: Bool { raw["Connected"]?.boolean ?? false }
    public var servicesResolved: Bool { raw["ServicesResolved"]?.boolean ?? false }
    public var paired: Bool { raw["Paired"]?.boolean ?? false }
    public var bonded: Bool { raw["Bonded"]?.boolean ?? false }
    public var trusted: Bool { raw["Trusted"]?.boolean ?? false }
    /// dBm, from the last advertising report seen while discovering.
    public var rssi: Int16? { raw["RSSI"]?.int16 }
    public var txPower: Int16? { raw["TxPower"]?.int16 }
    public var uuids: [BluetoothUUID] { BlueZPropertyReading.uuids(raw["UUIDs"]) }
    public var serviceData: [BluetoothUUID: [UInt8]] { BlueZPropertyReading.serviceData(raw["ServiceData"]) }
    /// Company identifier → data.
    public var manufacturerData: [UInt16: [UInt8]] { BlueZPropertyReading.manufacturerData(raw["ManufacturerData"]) }
}
