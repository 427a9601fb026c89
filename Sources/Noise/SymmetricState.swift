import Crypto

/// Noise's SymmetricState (rev 34 §5.2): the chaining key `ck`, the handshake hash `h` and a CipherState, with
/// SHA-256 as HASH (§12.6) and HKDF over HMAC-SHA256.
///
/// A value type, so HandshakeState rolls back a failed ReadMessage by keeping its old copy.
public struct SymmetricState: Sendable {
    /// HASHLEN for SHA-256.
    public static let hashLength = 32

    private var ck: SymmetricKey
    /// The handshake hash `h`. Not secret: it binds everything sent and received so far, and after the handshake
    /// it names the session (`GetHandshakeHash()`), e.g. for channel binding.
    public private(set) var h: [UInt8]
    private var cipherState = CipherState()

    /// `InitializeSymmetric(protocol_name)`: `h` is the name padded with zeros to HASHLEN, or its hash if longer;
    /// `ck` = `h`; no cipher key.
    public init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= Self.hashLength {
            h = name + [UInt8](repeating: 0, count: Self.hashLength - name.count)
        } else {
            h = Array(SHA256.hash(data: name))
        }
        ck = SymmetricKey(data: h)
    }

    /// Whether a key has been mixed in, so EncryptAndHash encrypts (and adds a tag).
    public var hasKey: Bool { cipherState.hasKey }

    /// `MixKey(input_key_material)`: `ck`, `temp_k` = HKDF(ck, ikm, 2); InitializeKey(temp_k).
    public mutating func mixKey(_ inputKeyMaterial: SymmetricKey) {
        let (chainingKey, tempKey) = HKDF.two(ck, inputKeyMaterial)
        ck = chainingKey
        cipherState.initializeKey(tempKey)
    }

    /// `MixHash(data)`: `h` = HASH(h ‖ data).
    public mutating func mixHash(_ data: [UInt8]) {
        var hash = SHA256()
        hash.update(data: h)
        hash.update(data: data)
        h = Array(hash.finalize())
    }

    /// `MixKeyAndHash(input_key_material)`: `ck`, `temp_h`, `temp_k` = HKDF(ck, ikm, 3); MixHash(temp_h);
    /// InitializeKey(temp_k). Used for pre-shared keys (the `psk` token).
    public mutating func mixKeyAndHash(_ inputKeyMaterial: SymmetricKey) {
        let (chainingKey, tempHash, tempKey) = HKDF.three(ck, inputKeyMaterial)
        ck = chainingKey
        tempHash.withUnsafeBytes { mixHash(Array($0)) }
        cipherState.initializeKey(tempKey)
    }

    /// `GetHandshakeHash()`.
    public func getHandshakeHash() -> [UInt8] { h }

    /// `EncryptAndHash(plaintext)`: ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext).
    public mutating func encryptAndHash(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let ciphertext = try cipherState.encryptWithAd(h, plaintext)
        mixHash(ciphertext)
        return ciphertext
    }

    /// `DecryptAndHash(ciphertext)`: plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext). On failure
    /// nothing changes.
    public mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let plaintext = try cipherState.decryptWithAd(h, ciphertext)
        mixHash(ciphertext)
        return plaintext
    }

    /// `Split()`: `temp_k1`, `temp_k2` = HKDF(ck, zerolen, 2); two CipherStates, the first for the initiator's
    /// messages to the responder, the second for the way back.
    public func split() -> (CipherState, CipherState) {
        let (initiatorKey, responderKey) = HKDF.two(ck, nil)
        return (CipherState(key: initiatorKey), CipherState(key: responderKey))
    }
}
