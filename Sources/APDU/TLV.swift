/// One BER-TLV data object as PIV uses them: a tag of up to three bytes and a definite length.
///
/// Parsing is one level at a time: `parseSequence` reads the objects at one level and `children()` reads one
/// level further down when the caller asks for it, so nesting is bounded by the callers' own structure rather
/// than by the input. Values are kept exactly as received (certificates and signed objects must not be
/// re-encoded), and unknown tags are kept too.
public struct TLV: Equatable, Sendable {
    /// The tag's bytes read as a big-endian number: 0x53, 0x7F49, 0x5FC105.
    public var tag: UInt32
    public var value: [UInt8]

    public init(_ tag: UInt32, _ value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    public init(_ tag: UInt32, children: [TLV]) {
        self.init(tag, children.flatMap(\.encoded))
    }

    public var encoded: [UInt8] { TLV.encode(tag: tag) + TLV.encode(length: value.count) + value }

    /// The objects one level down, reading `value` as a sequence of TLVs.
    public func children() throws(APDUError) -> [TLV] { try TLV.parseSequence(value) }

    /// Reads consecutive TLVs that exactly fill `bytes`; a truncated or trailing object is an error.
    public static func parseSequence(_ bytes: [UInt8]) throws(APDUError) -> [TLV] {
        var result: [TLV] = []
        var index = 0
        while index < bytes.count {
            let (object, next) = try parse(bytes, at: index)
            result.append(object)
            index = next
        }
        return result
    }

    /// Reads one TLV at `index` and returns it with the index just past it; bytes after it are left alone.
    public static func parse(_ bytes: [UInt8], at index: Int) throws(APDUError) -> (TLV, next: Int) {
        var i = index
        guard i < bytes.count else { throw APDUError(.truncatedTag, "no tag at offset \(i)") }
        var tag = UInt32(bytes[i])
        i += 1
        if tag & 0x1F == 0x1F {
            // Subsequent tag bytes follow while bit 8 is set (ISO 7816-4 §5.2.2.1).
            var more = true
            while more {
                guard i < bytes.count else { throw APDUError(.truncatedTag, "tag continues past the end") }
                guard tag <= 0xFFFF else { throw APDUError(.tagTooLong, "tag longer than three bytes") }
                tag = tag << 8 | UInt32(bytes[i])
                more = bytes[i] & 0x80 != 0
                i += 1
            }
        }
        guard i < bytes.count else { throw APDUError(.truncatedLength, "no length after tag \(hex(tag))") }
        var length = Int(bytes[i])
        i += 1
        if length >= 0x80 {
            let count = length & 0x7F
            guard count >= 1, count <= 3 else {
                throw APDUError(.unsupportedLength, "length form \(hex(UInt32(length))) after tag \(hex(tag))")
            }
            guard i + count <= bytes.count else { throw APDUError(.truncatedLength, "length bytes cut off") }
            length = 0
            for _ in 0..<count {
                length = length << 8 | Int(bytes[i])
                i += 1
            }
        }
        guard length <= bytes.count - i else {
            throw APDUError(.truncatedValue, "tag \(hex(tag)) needs \(length) bytes, \(bytes.count - i) left")
        }
        return (TLV(tag, Array(bytes[i..<(i + length)])), i + length)
    }

    public static func encode(tag: UInt32) -> [UInt8] {
        switch tag {
        case 0..<0x100: [UInt8(tag)]
        case 0x100..<0x10000: [UInt8(tag >> 8), UInt8(tag & 0xFF)]
        default: [UInt8(tag >> 16), UInt8((tag >> 8) & 0xFF), UInt8(tag & 0xFF)]
        }
    }

    /// Definite length in the shortest form, as DER and PIV middleware expect.
    public static func encode(length: Int) -> [UInt8] {
        switch length {
        case 0..<0x80: [UInt8(length)]
        case 0x80..<0x100: [0x81, UInt8(length)]
        case 0x100..<0x10000: [0x82, UInt8(length >> 8), UInt8(length & 0xFF)]
        default: [0x83, UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        }
    }

    private static func hex(_ tag: UInt32) -> String { String(tag, radix: 16, uppercase: true) }
}

extension Array where Element == TLV {
    /// The first object with `tag`, if any.
    public func first(_ tag: UInt32) -> TLV? { first { $0.tag == tag } }
}
