/// A valid D-Bus object path: `/`, or `/` followed by `/`-separated elements of `[A-Za-z0-9_]`, with no
/// empty element and no trailing `/`.
public struct DBusObjectPath: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public static let root = DBusObjectPath(validated: "/")

    /// Validates `string`.
    public init(_ string: String) throws(DBusError) {
        guard Self.isValid(string) else {
            throw DBusError(.invalidArguments, "'\(string)' is not a valid D-Bus object path")
        }
        rawValue = string
    }

    /// A path written in the source; an invalid literal is a programming error and traps.
    public init(stringLiteral value: String) {
        precondition(Self.isValid(value), "'\(value)' is not a valid D-Bus object path")
        rawValue = value
    }

    /// A path sd-bus already checked (it validates every path in a message it accepts).
    init(validated: String) {
        rawValue = validated
    }

    /// This path with one more element, e.g. `/app` + `service0` = `/app/service0`.
    public func appending(_ element: String) throws(DBusError) -> DBusObjectPath {
        guard !element.utf8.contains(UInt8(ascii: "/")) else {
            throw DBusError(.invalidArguments, "'\(element)' is not one object path element")
        }
        return try DBusObjectPath(rawValue == "/" ? "/" + element : rawValue + "/" + element)
    }

    /// True if `self` is `ancestor` or lies below it (`/a/b` is inside `/a` and `/`, not inside `/ab`).
    public func isInside(_ ancestor: DBusObjectPath) -> Bool {
        if ancestor.rawValue == "/" || ancestor == self {
            return true
        }
        return rawValue.hasPrefix(ancestor.rawValue + "/")
    }

    public var description: String { rawValue }

    public static func < (lhs: DBusObjectPath, rhs: DBusObjectPath) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    static func isValid(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return false }
        if bytes.count == 1 { return true }
        guard bytes.last != UInt8(ascii: "/") else { return false }
        var previousWasSlash = true
        for byte in bytes.dropFirst() {
            if byte == UInt8(ascii: "/") {
                if previousWasSlash { return false }
                previousWasSlash = true
                continue
            }
            let isElementByte =
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            guard isElementByte else { return false }
            previousWasSlash = false
        }
        return true
    }
}
