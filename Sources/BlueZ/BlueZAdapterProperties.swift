import DBus

/// `org.bluez.Adapter1`'s properties as read (doc/adapter-api.txt); absent or mistyped ones read as nil/false.
public struct BlueZAdapterProperties: Sendable {
    public let path: DBusObjectPath
    public var raw: [String: DBusValue]

    public init(path: DBusObjectPath, properties: [String: DBusValue]) {
        self.path = path
        raw = properties
    }

    /// The last element of the path: `hci0`.
    public var name: String { path.rawValue.split(separator: "/").last.map(String.init) ?? "" }
    public var address: String? { raw["Address"]?.string }
    public var powered: Bool { raw["Powered"]?.boolean ?? false }
    public var discovering: Bool { raw["Discovering"]?.boolean ?? false }
    public var uuids: [BluetoothUUID] { BlueZPropertyReading.uuids(raw["UUIDs"]) }
}
