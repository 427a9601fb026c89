import Crypto

/// The short name of a paired key: the first 8 bytes of SHA-256("pivlink-fingerprint-v1" ‖ key), written as
/// 4 groups of 4 lowercase hex digits, "3f9a-12c0-77de-0b41".
///
/// It names a pairing in `pivlink status` and `pivlink unpair`; it authenticates nothing (the ceremony's code
/// does, and the full key is stored), so 64 bits only need to keep one person's pairings apart.
public struct PairingFingerprint: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 8
    static let tag = Array("pivlink-fingerprint-v1".utf8)

    public let bytes: [UInt8]

    public init(of key: PairingPublicKey) {
        bytes = Array(SHA256.hash(data: Self.tag + key.bytes).prefix(Self.byteCount))
    }

    /// Reads what a person typed: 16 hex digits in either case, either as "3f9a-12c0-77de-0b41" or
    /// "3f9a12c077de0b41".
    public init(parsing text: String) throws(PairingError) {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        let digits: String
        if groups.count == 4, groups.allSatisfy({ $0.utf8.count == 4 }) {
            digits = groups.joined()
        } else if groups.count == 1 {
            digits = text
        } else {
            throw PairingError(.invalidFingerprint, "a fingerprint is 4 groups of 4 hex digits, like 3f9a-12c0-77de-0b41")
        }
        guard digits.utf8.count == 2 * Self.byteCount, let bytes = HexText.decode(digits) else {
            throw PairingError(.invalidFingerprint, "a fingerprint is 16 hex digits, like 3f9a-12c0-77de-0b41")
        }
        self.bytes = bytes
    }

    public var description: String {
        let digits = Array(HexText.encode(bytes))
        return stride(from: 0, to: digits.count, by: 4).map { String(digits[$0..<$0 + 4]) }.joined(separator: "-")
    }
}
