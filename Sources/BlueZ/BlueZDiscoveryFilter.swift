import DBus

/// The argument of `Adapter1.SetDiscoveryFilter` (doc/adapter-api.txt). Unset fields are left out, which
/// BlueZ reads as its defaults. BlueZ merges the filters of all its clients, so a client still checks each
/// device it is told about against its own filter.
public struct BlueZDiscoveryFilter: Hashable, Sendable {
    public enum Transport: String, Hashable, Sendable {
        case auto, bredr, le
    }

    /// Only devices advertising one of these service UUIDs.
    public var uuids: [BluetoothUUID]?
    /// Only devices at or above this RSSI (dBm); with any filter set BlueZ reports every RSSI change.
    public var rssi: Int16?
    /// Only devices with at most this path loss (dB); exclusive with `rssi`.
    public var pathloss: UInt16?
    public var transport: Transport?
    /// false: report every advertisement, even unchanged ones (BlueZ's default is true).
    public var duplicateData: Bool?
    public var discoverable: Bool?
    /// Only devices whose address or name starts with this.
    public var pattern: String?

    public init(
        uuids: [BluetoothUUID]? = nil, rssi: Int16? = nil, pathloss: UInt16? = nil, transport: Transport? = nil,
        duplicateData: Bool? = nil, discoverable: Bool? = nil, pattern: String? = nil
    ) {
        self.uuids = uuids
        self.rssi = rssi
        self.pathloss = pathloss
        self.transport = transport
        self.duplicateData = duplicateData
        self.discoverable = discoverable
        self.pattern = pattern
    }

    /// The `a{sv}` BlueZ takes.
    public var dictionary: DBusValue {
        var entries: [String: DBusValue] = [:]
        entries["UUIDs"] = uuids.map { .strings($0.map(\.rawValue)) }
        entries["RSSI"] = rssi.map(DBusValue.int16)
        entries["Pathloss"] = pathloss.map(DBusValue.uint16)
        entries["Transport"] = transport.map { .string($0.rawValue) }
        entries["DuplicateData"] = duplicateData.map(DBusValue.boolean)
        entries["Discoverable"] = discoverable.map(DBusValue.boolean)
        entries["Pattern"] = pattern.map(DBusValue.string)
        return .variantDictionary(entries)
    }
}
