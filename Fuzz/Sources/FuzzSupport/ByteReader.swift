/// Reads a fuzzer input from the front, one field at a time.
///
/// A field cut short by the end of the input yields what is left rather than failing, so that every input means
/// something and a mutation that breaks a length still reaches the code under test.
public struct ByteReader {
    private let bytes: [UInt8]
    private var index = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { index >= bytes.count }

    /// The next byte, or 0 past the end.
    public mutating func byte() -> UInt8 {
        guard index < bytes.count else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }

    /// A big-endian 16-bit number.
    public mutating func uint16() -> Int {
        let high = Int(byte())
        return high << 8 | Int(byte())
    }

    /// The next `count` bytes, or fewer if the input ends first.
    public mutating func bytes(upTo count: Int) -> [UInt8] {
        let end = min(bytes.count, index + count)
        defer { index = end }
        return Array(bytes[index..<end])
    }
}
