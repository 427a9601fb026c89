/// Which signals a match receives; unset fields match anything. The bus filters by the same rule, so a
/// narrow rule also spares the connection the traffic.
public struct DBusMatchRule: Hashable, Sendable, CustomStringConvertible {
    /// A unique or well-known bus name.
    public var sender: String?
    public var path: DBusObjectPath?
    /// The path itself and everything below it.
    public var pathNamespace: DBusObjectPath?
    public var interface: String?
    public var member: String?
    /// String arguments that must be equal, by position (`arg0`…`arg63`).
    public var arguments: [Int: String]

    public init(
        sender: String? = nil,
        path: DBusObjectPath? = nil,
        pathNamespace: DBusObjectPath? = nil,
        interface: String? = nil,
        member: String? = nil,
        arguments: [Int: String] = [:]
    ) {
        self.sender = sender
        self.path = path
        self.pathNamespace = pathNamespace
        self.interface = interface
        self.member = member
        self.arguments = arguments
    }

    /// The rule in the bus's match-rule syntax.
    public var description: String {
        var parts = ["type='signal'"]
        func add(_ key: String, _ value: String?) {
            if let value {
                parts.append("\(key)=\(Self.quoted(value))")
            }
        }
        add("sender", sender)
        add("path", path?.rawValue)
        add("path_namespace", pathNamespace?.rawValue)
        add("interface", interface)
        add("member", member)
        for (index, value) in arguments.sorted(by: { $0.key < $1.key }) {
            add("arg\(index)", value)
        }
        return parts.joined(separator: ",")
    }

    /// Valid argument positions.
    static let argumentRange = 0...63

    /// Single quotes delimit values; a quote inside one is written `'\''` (close, escaped quote, reopen).
    private static func quoted(_ value: String) -> String {
        "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
    }
}
