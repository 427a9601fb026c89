/// How to request a bus name (`RequestName` flags of the D-Bus specification).
public struct DBusNameFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Another connection asking with `.replaceExisting` may take the name from us.
    public static let allowReplacement = DBusNameFlags(rawValue: 1)
    /// Take the name from its owner if the owner allowed replacement.
    public static let replaceExisting = DBusNameFlags(rawValue: 2)
    /// Fail instead of waiting in the queue when the name is taken.
    public static let doNotQueue = DBusNameFlags(rawValue: 4)
}
