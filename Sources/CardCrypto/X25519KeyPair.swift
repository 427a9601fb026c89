import Crypto

/// A raw X25519 key pair for `PublicKeyBox`. `privateKey` is secret.
public struct X25519KeyPair: Sendable {
    public static let keyByteCount = 32

    /// 32 bytes, secret.
    public let privateKey: [UInt8]
    /// 32 bytes.
    public let publicKey: [UInt8]

    /// A key pair whose private key is 32 bytes from `random` (X25519 clamps any 32 bytes into a scalar).
    public static func generate(random: some RandomSource) -> X25519KeyPair {
        do {
            return try X25519KeyPair(privateKey: random.exactBytes(keyByteCount))
        } catch {
            preconditionFailure("32 bytes are always an X25519 private key: \(error)")
        }
    }

    /// Recomputes the public key from a stored private key; anything but 32 bytes is `invalidKey`.
    public init(privateKey: [UInt8]) throws(CryptoError) {
        guard privateKey.count == Self.keyByteCount else {
            throw CryptoError(.invalidKey, "an X25519 private key has \(Self.keyByteCount) bytes, got \(privateKey.count)")
        }
        do {
            let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey)
            self.privateKey = privateKey
            self.publicKey = Array(key.publicKey.rawRepresentation)
        } catch {
            throw CryptoError(.invalidKey, "X25519 private key refused: \(error)")
        }
    }
}
