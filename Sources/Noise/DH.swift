import Crypto

/// Noise's DH(key_pair, public_key) for 25519 (§12.1): X25519, refusing an all-zero result.
///
/// X25519 of a small-order point is zero whatever the private key; Noise allows an implementation to reject it
/// (§12.1), and pivlink does, so that a peer cannot force a key both sides' contributions do not determine.
/// swift-crypto returns the zero secret without complaint, so the check is here, in constant time.
enum DH {
    /// DHLEN for 25519.
    static let length = 32

    static func dh(
        _ keyPair: Curve25519.KeyAgreement.PrivateKey, _ publicKey: Curve25519.KeyAgreement.PublicKey
    ) throws(NoiseError) -> SymmetricKey {
        let secret: SharedSecret
        do {
            secret = try keyPair.sharedSecretFromKeyAgreement(with: publicKey)
        } catch {
            throw NoiseError(.lowOrderPoint, "X25519 refused the peer's public key")
        }
        let isZero = secret.withUnsafeBytes { bytes in bytes.reduce(UInt8(0)) { $0 | $1 } == 0 }
        guard !isZero else {
            throw NoiseError(.lowOrderPoint, "the peer's public key has small order (X25519 result is all zeros)")
        }
        return secret.withUnsafeBytes { SymmetricKey(data: $0) }
    }

    /// A public key read from a peer's 32 bytes. Every 32-byte string is a valid X25519 public key; small-order
    /// ones are caught by `dh`.
    static func publicKey(_ bytes: ArraySlice<UInt8>) -> Curve25519.KeyAgreement.PublicKey {
        guard let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes) else {
            preconditionFailure("X25519 refused a 32-byte public key")
        }
        return key
    }
}
