/// A Bluetooth UUID in BlueZ's written form: 128 bits, lowercase, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
///
/// 16- and 32-bit short forms (`180f`, `0000180f`) expand onto the Bluetooth base UUID
/// `0000xxxx-0000-1000-8000-00805f9b34fb`, as BlueZ does (`bt_string_to_uuid`), so UUIDs compare equal however
/// a peer wrote them.
public struct BluetoothUUID: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The 128-bit form.
    public let rawValue: String

    private static let baseSuffix = "-0000-1000-8000-00805f9b34fb"

    /// Parses a 16-, 32- or 128-bit UUID in any case; nil if it is none of them.
    public init?(_ text: String) {
        let lower = text.lowercased()
        let isHex: (Character) -> Bool = { $0.isHexDigit && $0.isASCII }
        switch lower.count {
        case 4 where lower.allSatisfy(isHex):
            rawValue = "0000" + lower + Self.baseSuffix
        case 8 where lower.allSatisfy(isHex):
            rawValue = lower + Self.baseSuffix
        case 36:
            let groups = lower.split(separator: "-", omittingEmptySubsequences: false)
            guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(isHex) }) else {
                return nil
            }
            rawValue = lower
        default:
            return nil
        }
    }

    /// A UUID written in the source; an invalid literal is a programming error and traps.
    public init(stringLiteral value: String) {
        guard let uuid = BluetoothUUID(value) else {
            preconditionFailure("'\(value)' is not a Bluetooth UUID")
        }
        self = uuid
    }

    public var description: String { rawValue }
}
