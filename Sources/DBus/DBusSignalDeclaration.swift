/// A signal an exported interface emits, declared so that introspection lists it.
public struct DBusSignalDeclaration: Hashable, Sendable {
    public let name: String
    public let arguments: [DBusArgument]

    public init(_ name: String, arguments: [DBusArgument] = []) {
        self.name = name
        self.arguments = arguments
    }
}
