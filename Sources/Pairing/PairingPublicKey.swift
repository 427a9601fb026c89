import Crypto

/// A peer's static X25519 public key, as exchanged in the ceremony and kept in pairing records.
///
/// Construction refuses keys of small order: X25519 with them gives all zeros whatever the private key, so a man
/// in the middle could force a known shared secret. Every key that passes gives a usable shared secret.
public struct PairingPublicKey: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32

    /// The 32 bytes of RFC 7748's u-coordinate encoding.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(PairingError) {
        guard bytes.count == Self.byteCount else {
            throw PairingError(.invalidPublicKey, "an X25519 public key has 32 bytes, got \(bytes.count)")
        }
        guard Self.hasLargeOrder(bytes) else {
            throw PairingError(.invalidPublicKey, "the X25519 public key is of small order (it would give an all-zero secret)")
        }
        self.bytes = bytes
    }

    /// The short name of this key that people see and type (docs/pairing-protocol.md, "Fingerprints").
    public var fingerprint: PairingFingerprint { PairingFingerprint(of: self) }

    public var description: String { fingerprint.description }

    var agreementKey: Curve25519.KeyAgreement.PublicKey {
        do {
            return try Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes)
        } catch {
            preconditionFailure("swift-crypto refused 32 bytes as an X25519 public key: \(error)")
        }
    }

    /// A clamped X25519 scalar is a multiple of the cofactor 8, so any fixed one maps every small-order point
    /// (in any of its encodings, including the twist's) to zero, and no other point: every other point's order
    /// has a prime factor above 2^252, beyond the scalar's odd part.
    private static func hasLargeOrder(_ bytes: [UInt8]) -> Bool {
        do {
            let probe = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: 0x55, count: 32))
            let key = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes)
            let secret = try probe.sharedSecretFromKeyAgreement(with: key)
            return secret.withUnsafeBytes { $0.contains { $0 != 0 } }
        } catch {
            return false
        }
    }
}
