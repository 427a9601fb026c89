import CSystemd

/// One reference to an `sd_bus_message`, dropped on deinit, with the typed body reading and writing the
/// rest of the module uses. Messages never leave this module; users see `DBusValue`s.
final class DBusMessage {
    let pointer: OpaquePointer

    /// Takes over a reference the caller owns (e.g. from `sd_bus_message_new_*`).
    init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    /// Takes a new reference to a message sd-bus lends to a callback.
    init(retaining pointer: OpaquePointer) {
        self.pointer = sd_bus_message_ref(pointer)
    }

    deinit {
        sd_bus_message_unref(pointer)
    }

    var sender: String? { sd_bus_message_get_sender(pointer).map { String(cString: $0) } }
    var path: DBusObjectPath? { sd_bus_message_get_path(pointer).map { DBusObjectPath(validated: String(cString: $0)) } }
    var interface: String? { sd_bus_message_get_interface(pointer).map { String(cString: $0) } }
    var member: String? { sd_bus_message_get_member(pointer).map { String(cString: $0) } }
    /// The body's signature, "" for an empty body.
    var signature: String { sd_bus_message_get_signature(pointer, 1).map { String(cString: $0) } ?? "" }
    var expectsReply: Bool { sd_bus_message_get_expect_reply(pointer) > 0 }

    /// The error of an error reply, nil for any other message.
    func replyError() -> DBusError? {
        guard sd_bus_message_is_method_error(pointer, nil) > 0, let error = sd_bus_message_get_error(pointer) else {
            return nil
        }
        let name = error.pointee.name.map { String(cString: $0) } ?? DBusError.Code.failedName
        let message = error.pointee.message.map { String(cString: $0) } ?? ""
        return DBusError(name: name, message: message)
    }

    static let localSender = "org.freedesktop.DBus.Local"

    // MARK: writing

    func append(_ values: [DBusValue]) throws(DBusError) {
        for value in values {
            try append(value)
        }
    }

    func append(_ value: DBusValue) throws(DBusError) {
        switch value {
        case .byte(var byte):
            try appendBasic(.byte, &byte)
        case .boolean(let boolean):
            var word: Int32 = boolean ? 1 : 0
            try appendBasic(.boolean, &word)
        case .int16(var number):
            try appendBasic(.int16, &number)
        case .uint16(var number):
            try appendBasic(.uint16, &number)
        case .int32(var number):
            try appendBasic(.int32, &number)
        case .uint32(var number):
            try appendBasic(.uint32, &number)
        case .int64(var number):
            try appendBasic(.int64, &number)
        case .uint64(var number):
            try appendBasic(.uint64, &number)
        case .double(var number):
            try appendBasic(.double, &number)
        case .string(let string):
            try appendString(.string, string)
        case .objectPath(let path):
            try appendString(.objectPath, path.rawValue)
        case .signature(let types):
            try appendString(.signature, DBusType.signature(of: types))
        case .fileDescriptor(let descriptor):
            // sd-bus duplicates the descriptor into the message.
            var number = descriptor.rawValue
            try appendBasic(.unixFileDescriptor, &number)
        case .array(.byte, let elements):
            try appendByteArray(elements)
        case .array(let elementType, let elements):
            try inContainer(UInt8(ascii: "a"), elementType.signature) { () throws(DBusError) in
                try append(elements)
            }
        case .structure(let members):
            let signature = DBusType.signature(of: members.map(\.type))
            try inContainer(UInt8(ascii: "r"), signature) { () throws(DBusError) in
                try append(members)
            }
        case .dictionaryEntry(let key, let entryValue):
            try inContainer(UInt8(ascii: "e"), key.type.signature + entryValue.type.signature) { () throws(DBusError) in
                try append([key, entryValue])
            }
        case .variant(let content):
            try inContainer(UInt8(ascii: "v"), content.type.signature) { () throws(DBusError) in
                try append(content)
            }
        }
    }

    private func appendBasic<Number>(_ type: DBusType, _ number: inout Number) throws(DBusError) {
        let code = Self.cChar(type.basicCode ?? 0)
        let result = withUnsafeMutablePointer(to: &number) { sd_bus_message_append_basic(pointer, code, $0) }
        try Self.check(result, "appending a value of type '\(type.signature)'")
    }

    private func appendString(_ type: DBusType, _ string: String) throws(DBusError) {
        guard !string.utf8.contains(0) else {
            throw DBusError(.invalidArguments, "a D-Bus string cannot contain NUL")
        }
        let code = Self.cChar(type.basicCode ?? 0)
        let result = string.withCString { sd_bus_message_append_basic(pointer, code, $0) }
        try Self.check(result, "appending '\(string)' as type '\(type.signature)'")
    }

    private func appendByteArray(_ elements: [DBusValue]) throws(DBusError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(elements.count)
        for element in elements {
            guard let byte = element.byte else {
                throw DBusError(.invalidArguments, "an array of bytes holds a '\(element.type.signature)'")
            }
            bytes.append(byte)
        }
        let result = bytes.withUnsafeBytes {
            sd_bus_message_append_array(pointer, Self.cChar(UInt8(ascii: "y")), $0.baseAddress, $0.count)
        }
        try Self.check(result, "appending \(bytes.count) bytes")
    }

    private func inContainer(_ code: UInt8, _ contents: String, _ body: () throws(DBusError) -> Void) throws(DBusError) {
        let opened = sd_bus_message_open_container(pointer, Self.cChar(code), contents)
        try Self.check(opened, "opening a '\(UnicodeScalar(code))' container of '\(contents)'")
        try body()
        try Self.check(sd_bus_message_close_container(pointer), "closing a container of '\(contents)'")
    }

    // MARK: reading

    /// Reads the whole body from its start.
    func readAll() throws(DBusError) -> [DBusValue] {
        try Self.check(sd_bus_message_rewind(pointer, 1), "rewinding a message")
        return try readRest()
    }

    /// Reads values up to the end of the current container (or of the body).
    func readRest() throws(DBusError) -> [DBusValue] {
        var values: [DBusValue] = []
        while let value = try readValue() {
            values.append(value)
        }
        return values
    }

    /// The next value, or nil at the end of the current container.
    func readValue() throws(DBusError) -> DBusValue? {
        var code: CChar = 0
        var contentsPointer: UnsafePointer<CChar>?
        let peeked = sd_bus_message_peek_type(pointer, &code, &contentsPointer)
        try Self.check(peeked, "reading a message")
        guard peeked > 0 else { return nil }
        let contents = contentsPointer.map { String(cString: $0) } ?? ""
        let typeCode = UInt8(bitPattern: code)
        if let basic = DBusType.basic(code: typeCode) {
            return try readBasic(basic)
        }
        switch typeCode {
        case UInt8(ascii: "a"):
            // Parsed as a whole array type: a dictionary entry alone ("{sv}") is not a valid signature.
            guard case .array(let elementType) = try DBusType(signature: "a" + contents) else {
                throw DBusError(.typeMismatch, "'a\(contents)' is not an array type")
            }
            if elementType == .byte {
                return .bytes(try readByteArray())
            }
            let elements = try inEnteredContainer(typeCode, contents) { () throws(DBusError) in try readRest() }
            return .array(elementType, elements)
        case UInt8(ascii: "r"):
            return .structure(try inEnteredContainer(typeCode, contents) { () throws(DBusError) in try readRest() })
        case UInt8(ascii: "e"):
            let pair = try inEnteredContainer(typeCode, contents) { () throws(DBusError) in try readRest() }
            guard pair.count == 2 else {
                throw DBusError(.typeMismatch, "a dictionary entry holds \(pair.count) values")
            }
            return .dictionaryEntry(pair[0], pair[1])
        case DBusType.variantCode:
            let content = try inEnteredContainer(typeCode, contents) { () throws(DBusError) in try readRest() }
            guard content.count == 1 else {
                throw DBusError(.typeMismatch, "a variant holds \(content.count) values")
            }
            return .variant(content[0])
        default:
            throw DBusError(.typeMismatch, "unknown type code '\(UnicodeScalar(typeCode))' in a message")
        }
    }

    private func readBasic(_ type: DBusType) throws(DBusError) -> DBusValue {
        switch type {
        case .byte: return .byte(try readNumber(type, UInt8.self))
        case .boolean: return .boolean(try readNumber(type, Int32.self) != 0)
        case .int16: return .int16(try readNumber(type, Int16.self))
        case .uint16: return .uint16(try readNumber(type, UInt16.self))
        case .int32: return .int32(try readNumber(type, Int32.self))
        case .uint32: return .uint32(try readNumber(type, UInt32.self))
        case .int64: return .int64(try readNumber(type, Int64.self))
        case .uint64: return .uint64(try readNumber(type, UInt64.self))
        case .double: return .double(try readNumber(type, Double.self))
        case .string: return .string(try readString(type))
        case .objectPath: return .objectPath(DBusObjectPath(validated: try readString(type)))
        case .signature: return .signature(try DBusType.parse(signature: try readString(type)))
        case .unixFileDescriptor:
            // The number belongs to the message; the value owns a duplicate that outlives it.
            let number = try readNumber(type, Int32.self)
            return .fileDescriptor(try DBusFileDescriptor(duplicating: number))
        case .variant, .array, .structure, .dictionaryEntry:
            throw DBusError(.typeMismatch, "'\(type.signature)' is not a basic type")
        }
    }

    private func readNumber<Number: Numeric>(_ type: DBusType, _: Number.Type) throws(DBusError) -> Number {
        var number: Number = 0
        let result = withUnsafeMutablePointer(to: &number) {
            sd_bus_message_read_basic(pointer, Self.cChar(type.basicCode ?? 0), $0)
        }
        try Self.check(result, "reading a value of type '\(type.signature)'")
        return number
    }

    private func readString(_ type: DBusType) throws(DBusError) -> String {
        var string: UnsafePointer<CChar>?
        let result = withUnsafeMutablePointer(to: &string) {
            sd_bus_message_read_basic(pointer, Self.cChar(type.basicCode ?? 0), $0)
        }
        try Self.check(result, "reading a value of type '\(type.signature)'")
        return string.map { String(cString: $0) } ?? ""
    }

    private func readByteArray() throws(DBusError) -> [UInt8] {
        var start: UnsafeRawPointer?
        var count = 0
        let result = sd_bus_message_read_array(pointer, Self.cChar(UInt8(ascii: "y")), &start, &count)
        try Self.check(result, "reading an array of bytes")
        guard let start, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: count))
    }

    private func inEnteredContainer<Result>(
        _ code: UInt8, _ contents: String, _ body: () throws(DBusError) -> Result
    ) throws(DBusError) -> Result {
        let entered = sd_bus_message_enter_container(pointer, Self.cChar(code), contents)
        try Self.check(entered, "entering a '\(UnicodeScalar(code))' container of '\(contents)'")
        let result = try body()
        try Self.check(sd_bus_message_exit_container(pointer), "leaving a container of '\(contents)'")
        return result
    }

    // MARK: helpers

    static func cChar(_ byte: UInt8) -> CChar {
        CChar(truncatingIfNeeded: byte)
    }

    static func check(_ result: Int32, _ what: String) throws(DBusError) {
        guard result >= 0 else {
            throw DBusError(sdBusResult: result, what)
        }
    }
}
