/// A typed D-Bus value: a basic value, a container, or a variant.
///
/// Arrays carry their element type, so an empty array still has a signature. A dictionary is an array of
/// dictionary entries (`a{sv}` = `.array(.dictionaryEntry(key: .string, value: .variant), …)`); the
/// static helpers below build the common shapes, and the accessors read them back.
public indirect enum DBusValue: Equatable, Sendable {
    case byte(UInt8)
    case boolean(Bool)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case double(Double)
    case string(String)
    case objectPath(DBusObjectPath)
    case signature([DBusType])
    case fileDescriptor(DBusFileDescriptor)
    /// Elements, all of the given element type.
    case array(DBusType, [DBusValue])
    case structure([DBusValue])
    /// A key of a basic type and a value; only inside an array.
    case dictionaryEntry(DBusValue, DBusValue)
    case variant(DBusValue)

    /// The value's type; for an array, the declared element type.
    public var type: DBusType {
        switch self {
        case .byte: .byte
        case .boolean: .boolean
        case .int16: .int16
        case .uint16: .uint16
        case .int32: .int32
        case .uint32: .uint32
        case .int64: .int64
        case .uint64: .uint64
        case .double: .double
        case .string: .string
        case .objectPath: .objectPath
        case .signature: .signature
        case .fileDescriptor: .unixFileDescriptor
        case .array(let element, _): .array(element)
        case .structure(let members): .structure(members.map(\.type))
        case .dictionaryEntry(let key, let value): .dictionaryEntry(key: key.type, value: value.type)
        case .variant: .variant
        }
    }

    // MARK: building

    /// `ay`.
    public static func bytes(_ bytes: some Sequence<UInt8>) -> DBusValue {
        .array(.byte, bytes.map { .byte($0) })
    }

    /// `as`.
    public static func strings(_ strings: [String]) -> DBusValue {
        .array(.string, strings.map { .string($0) })
    }

    /// `ao`.
    public static func objectPaths(_ paths: [DBusObjectPath]) -> DBusValue {
        .array(.objectPath, paths.map { .objectPath($0) })
    }

    /// `a{kv}` with the entries in the given order.
    public static func dictionary(key: DBusType, value: DBusType, _ entries: [(DBusValue, DBusValue)]) -> DBusValue {
        .array(.dictionaryEntry(key: key, value: value), entries.map { .dictionaryEntry($0.0, $0.1) })
    }

    /// `a{sv}`, the shape of property sets and option dictionaries: each value is wrapped in a variant;
    /// entries go out sorted by key.
    public static func variantDictionary(_ entries: [String: DBusValue]) -> DBusValue {
        .dictionary(
            key: .string, value: .variant,
            entries.sorted { $0.key < $1.key }.map { (.string($0.key), .variant($0.value)) }
        )
    }

    // MARK: reading

    public var byte: UInt8? { if case .byte(let value) = self { value } else { nil } }
    public var boolean: Bool? { if case .boolean(let value) = self { value } else { nil } }
    public var int16: Int16? { if case .int16(let value) = self { value } else { nil } }
    public var uint16: UInt16? { if case .uint16(let value) = self { value } else { nil } }
    public var int32: Int32? { if case .int32(let value) = self { value } else { nil } }
    public var uint32: UInt32? { if case .uint32(let value) = self { value } else { nil } }
    public var int64: Int64? { if case .int64(let value) = self { value } else { nil } }
    public var uint64: UInt64? { if case .uint64(let value) = self { value } else { nil } }
    public var double: Double? { if case .double(let value) = self { value } else { nil } }
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var objectPath: DBusObjectPath? { if case .objectPath(let value) = self { value } else { nil } }
    public var fileDescriptor: DBusFileDescriptor? {
        if case .fileDescriptor(let value) = self { value } else { nil }
    }
    /// The content of a variant.
    public var variantContent: DBusValue? { if case .variant(let value) = self { value } else { nil } }
    /// The members of a structure.
    public var structureMembers: [DBusValue]? { if case .structure(let members) = self { members } else { nil } }
    /// The elements of an array of any element type.
    public var arrayElements: [DBusValue]? { if case .array(_, let elements) = self { elements } else { nil } }

    /// The bytes of an `ay`.
    public var bytes: [UInt8]? { elements(of: .byte, \.byte) }
    /// The strings of an `as`.
    public var strings: [String]? { elements(of: .string, \.string) }
    /// The paths of an `ao`.
    public var objectPaths: [DBusObjectPath]? { elements(of: .objectPath, \.objectPath) }

    /// The entries of any dictionary `a{kv}`, in order.
    public var dictionaryEntries: [(key: DBusValue, value: DBusValue)]? {
        guard case .array(.dictionaryEntry, let elements) = self else { return nil }
        var entries: [(key: DBusValue, value: DBusValue)] = []
        entries.reserveCapacity(elements.count)
        for element in elements {
            guard case .dictionaryEntry(let key, let value) = element else { return nil }
            entries.append((key, value))
        }
        return entries
    }

    /// An `a{sv}` with the variants unwrapped; a repeated key keeps its last value.
    public var variantDictionary: [String: DBusValue]? {
        guard case .array(.dictionaryEntry(key: .string, value: .variant), _) = self,
            let entries = dictionaryEntries
        else { return nil }
        var dictionary: [String: DBusValue] = [:]
        for entry in entries {
            guard let key = entry.key.string, let value = entry.value.variantContent else { return nil }
            dictionary[key] = value
        }
        return dictionary
    }

    private func elements<Element>(of type: DBusType, _ read: (DBusValue) -> Element?) -> [Element]? {
        guard case .array(type, let elements) = self else { return nil }
        var result: [Element] = []
        result.reserveCapacity(elements.count)
        for element in elements {
            guard let value = read(element) else { return nil }
            result.append(value)
        }
        return result
    }
}
