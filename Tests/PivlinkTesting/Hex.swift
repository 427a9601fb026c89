/// "00 A4 04 00" → bytes; whitespace is ignored. Test input only: a malformed literal is a bug in the test, so it
/// traps.
public func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    precondition(digits.count.isMultiple(of: 2), "odd number of hex digits in \(text)")
    return stride(from: 0, to: digits.count, by: 2).map { offset in
        guard let byte = UInt8(String(digits[offset...offset + 1]), radix: 16) else {
            preconditionFailure("not hex: \(text)")
        }
        return byte
    }
}

/// Bytes → "00 A4 04 00": the form `hex(_:)` reads, for building APDUs in tests and for failure messages.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
        let text = String(byte, radix: 16, uppercase: true)
        return text.count == 1 ? "0" + text : text
    }.joined(separator: " ")
}
