/// A D-Bus type, as written in signatures: `y b n q i u x t d s o g h v`, `a…`, `(…)` and `{kv}`.
public indirect enum DBusType: Hashable, Sendable, CustomStringConvertible {
    case byte
    case boolean
    case int16
    case uint16
    case int32
    case uint32
    case int64
    case uint64
    case double
    case string
    case objectPath
    case signature
    case unixFileDescriptor
    case variant
    case array(DBusType)
    case structure([DBusType])
    /// `{kv}`: valid only as the element type of an array, with a basic key type.
    case dictionaryEntry(key: DBusType, value: DBusType)

    /// `a{kv}`, a dictionary.
    public static func dictionary(key: DBusType, value: DBusType) -> DBusType {
        .array(.dictionaryEntry(key: key, value: value))
    }

    /// The type's signature, e.g. `a{sv}`.
    public var signature: String {
        switch self {
        case .array(let element): "a" + element.signature
        case .structure(let members): "(" + members.map(\.signature).joined() + ")"
        case .dictionaryEntry(let key, let value): "{" + key.signature + value.signature + "}"
        default: String(UnicodeScalar(basicCode ?? Self.variantCode))
        }
    }

    public var description: String { signature }

    /// True for the types a dictionary key may have: numbers, booleans, strings, paths, signatures, fds.
    public var isBasic: Bool { basicCode != nil }

    /// Parses a signature of zero or more complete types, as a method's arguments are written ("sa{sv}").
    public static func parse(signature: String) throws(DBusError) -> [DBusType] {
        var parser = SignatureParser(signature)
        return try parser.parseAll()
    }

    /// Parses a signature of exactly one complete type.
    public init(signature: String) throws(DBusError) {
        let types = try Self.parse(signature: signature)
        guard types.count == 1, let type = types.first else {
            throw DBusError(.invalidArguments, "'\(signature)' is not a single complete D-Bus type")
        }
        self = type
    }

    /// The signature of a sequence of types, as sd-bus wants it for a message body or a container.
    static func signature(of types: [DBusType]) -> String {
        types.map(\.signature).joined()
    }

    static let variantCode = UInt8(ascii: "v")

    /// The type code of a basic type, nil for variants and containers.
    var basicCode: UInt8? {
        switch self {
        case .byte: UInt8(ascii: "y")
        case .boolean: UInt8(ascii: "b")
        case .int16: UInt8(ascii: "n")
        case .uint16: UInt8(ascii: "q")
        case .int32: UInt8(ascii: "i")
        case .uint32: UInt8(ascii: "u")
        case .int64: UInt8(ascii: "x")
        case .uint64: UInt8(ascii: "t")
        case .double: UInt8(ascii: "d")
        case .string: UInt8(ascii: "s")
        case .objectPath: UInt8(ascii: "o")
        case .signature: UInt8(ascii: "g")
        case .unixFileDescriptor: UInt8(ascii: "h")
        case .variant, .array, .structure, .dictionaryEntry: nil
        }
    }

    static func basic(code: UInt8) -> DBusType? {
        switch code {
        case UInt8(ascii: "y"): .byte
        case UInt8(ascii: "b"): .boolean
        case UInt8(ascii: "n"): .int16
        case UInt8(ascii: "q"): .uint16
        case UInt8(ascii: "i"): .int32
        case UInt8(ascii: "u"): .uint32
        case UInt8(ascii: "x"): .int64
        case UInt8(ascii: "t"): .uint64
        case UInt8(ascii: "d"): .double
        case UInt8(ascii: "s"): .string
        case UInt8(ascii: "o"): .objectPath
        case UInt8(ascii: "g"): .signature
        case UInt8(ascii: "h"): .unixFileDescriptor
        default: nil
        }
    }
}

/// A recursive-descent parser for signatures, with the limits of the D-Bus specification: 255 bytes,
/// 32 nested arrays, 32 nested structures or dictionary entries.
private struct SignatureParser {
    private static let maximumLength = 255
    private static let maximumNesting = 32

    private let bytes: [UInt8]
    private let text: String
    private var position = 0
    private var arrayDepth = 0
    private var structureDepth = 0

    init(_ signature: String) {
        text = signature
        bytes = Array(signature.utf8)
    }

    mutating func parseAll() throws(DBusError) -> [DBusType] {
        guard bytes.count <= Self.maximumLength else {
            throw invalid("is longer than \(Self.maximumLength) bytes")
        }
        var types: [DBusType] = []
        while position < bytes.count {
            types.append(try parseOne())
        }
        return types
    }

    private mutating func parseOne() throws(DBusError) -> DBusType {
        guard position < bytes.count else {
            throw invalid("ends inside a container")
        }
        let code = bytes[position]
        position += 1
        if let basic = DBusType.basic(code: code) {
            return basic
        }
        switch code {
        case DBusType.variantCode:
            return .variant
        case UInt8(ascii: "a"):
            arrayDepth += 1
            defer { arrayDepth -= 1 }
            guard arrayDepth <= Self.maximumNesting else {
                throw invalid("nests arrays deeper than \(Self.maximumNesting)")
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "{") {
                position += 1
                return .array(try parseDictionaryEntry())
            }
            return .array(try parseOne())
        case UInt8(ascii: "("):
            return try parseStructure()
        default:
            throw invalid("has an unexpected '\(UnicodeScalar(code))' at offset \(position - 1)")
        }
    }

    private mutating func parseStructure() throws(DBusError) -> DBusType {
        structureDepth += 1
        defer { structureDepth -= 1 }
        guard structureDepth <= Self.maximumNesting else {
            throw invalid("nests structures deeper than \(Self.maximumNesting)")
        }
        var members: [DBusType] = []
        while position < bytes.count, bytes[position] != UInt8(ascii: ")") {
            members.append(try parseOne())
        }
        guard position < bytes.count else {
            throw invalid("has an unclosed structure")
        }
        position += 1
        guard !members.isEmpty else {
            throw invalid("has an empty structure")
        }
        return .structure(members)
    }

    /// After `a{`: a basic key, one complete value type, `}`.
    private mutating func parseDictionaryEntry() throws(DBusError) -> DBusType {
        structureDepth += 1
        defer { structureDepth -= 1 }
        guard structureDepth <= Self.maximumNesting else {
            throw invalid("nests dictionaries deeper than \(Self.maximumNesting)")
        }
        let key = try parseOne()
        guard key.isBasic else {
            throw invalid("has a dictionary key of type '\(key.signature)', which is not basic")
        }
        let value = try parseOne()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "}") else {
            throw invalid("has a dictionary entry that is not closed after its key and value")
        }
        position += 1
        return .dictionaryEntry(key: key, value: value)
    }

    private func invalid(_ reason: String) -> DBusError {
        DBusError(.invalidArguments, "the signature '\(text)' \(reason)")
    }
}
