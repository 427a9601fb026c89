/// A named, typed argument of a method or signal, as introspection shows it.
public struct DBusArgument: Hashable, Sendable {
    public let name: String
    public let type: DBusType

    public init(_ name: String, _ type: DBusType) {
        self.name = name
        self.type = type
    }

    /// The argument names as sd-bus wants them in a vtable: each NUL-terminated, in order.
    static func vtableNames(_ arguments: [DBusArgument]) -> [UInt8] {
        arguments.flatMap { Array($0.name.utf8) + [0] }
    }
}
