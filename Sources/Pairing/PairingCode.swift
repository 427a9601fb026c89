import CardCrypto

/// The 6-digit number both sides show for the user to compare, "042917" (leading zeros kept).
public struct PairingCode: Hashable, Sendable, CustomStringConvertible {
    public static let digitCount = 6
    static let modulus: UInt64 = 1_000_000

    /// Exactly six ASCII digits.
    public let digits: String

    /// `value` below 10^6.
    init(value: UInt64) {
        precondition(value < Self.modulus, "a pairing code is below 10^6, got \(value)")
        let text = String(value)
        digits = String(repeating: "0", count: Self.digitCount - text.count) + text
    }

    /// Reads a code a person or script typed: exactly six digits 0–9, nothing else.
    public init(parsing text: String) throws(PairingError) {
        guard text.utf8.count == Self.digitCount,
              text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            throw PairingError(.invalidCode, "a pairing code is 6 digits, like 042917")
        }
        digits = text
    }

    /// Equality without an early exit, for comparing the code a user confirmed with the computed one.
    func matchesInConstantTime(_ other: PairingCode) -> Bool {
        ConstantTime.equals(Array(digits.utf8), Array(other.digits.utf8))
    }

    public var description: String { digits }
}
