extension Collection<UInt8> {
    /// "00 A4 04 00", for invariant messages.
    public var hex: String {
        map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
