import APDU

/// The two DER readings the key import needs, over the card's BER-TLV parser.
enum DERReader {
    /// The elements of a DER SEQUENCE that fills `der` exactly.
    static func sequence(_ der: [UInt8]) throws -> [TLV] {
        let outer = try TLV.parseSequence(der)
        guard outer.count == 1, outer[0].tag == 0x30 else { throw BenchError(.key, "expected one DER SEQUENCE") }
        return try outer[0].children()
    }

    /// A non-negative big-endian integer as exactly `length` bytes: DER's sign byte dropped, zeros prepended.
    static func unsigned(_ bytes: [UInt8], length: Int) throws -> [UInt8] {
        let magnitude = Array(bytes.drop { $0 == 0 })
        guard magnitude.count <= length else {
            throw BenchError(.key, "an integer of \(magnitude.count) bytes does not fit in \(length)")
        }
        return [UInt8](repeating: 0, count: length - magnitude.count) + magnitude
    }
}
