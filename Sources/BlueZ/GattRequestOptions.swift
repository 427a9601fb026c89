import DBus

/// The options bluetoothd passes with each call into a peripheral application's characteristic
/// (`ReadValue`, `WriteValue`, `AcquireWrite`, `AcquireNotify`): who asks and over what link.
///
/// BlueZ 5.66 sends `device`, `link` and `mtu` with every call, `offset` when it is not 0, and never a write
/// `type` (research/ble.md §1.1); all are optional here, so a value BlueZ leaves out reads as nil.
public struct GattRequestOptions: Hashable, Sendable {
    /// The central's device object on the peripheral's adapter.
    public var device: DBusObjectPath?
    /// The link's ATT MTU.
    public var mtu: Int?
    public var offset: Int
    /// "LE" or "BR/EDR".
    public var link: String?
    /// "command", "request" or "reliable", when a BlueZ sends it.
    public var type: String?

    public init(device: DBusObjectPath? = nil, mtu: Int? = nil, offset: Int = 0, link: String? = nil, type: String? = nil) {
        self.device = device
        self.mtu = mtu
        self.offset = offset
        self.link = link
        self.type = type
    }

    /// Reads an `a{sv}`; entries of unexpected types are ignored.
    public init(_ options: [String: DBusValue]) {
        self.init(
            device: options["device"]?.objectPath, mtu: options["mtu"]?.uint16.map(Int.init),
            offset: options["offset"]?.uint16.map(Int.init) ?? 0, link: options["link"]?.string,
            type: options["type"]?.string)
    }

    /// Reads the options argument of a call, or the empty set when it is missing.
    init(arguments: [DBusValue], at index: Int) {
        self.init(index < arguments.count ? arguments[index].variantDictionary ?? [:] : [:])
    }
}
