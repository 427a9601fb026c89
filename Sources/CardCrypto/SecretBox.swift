import Crypto

/// AES-256-GCM with a random 12-byte nonce, for data at rest. The box is nonce || ciphertext || tag.
public enum SecretBox {
    public static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// Seals with a nonce drawn from `random`; `aad` is authenticated but not stored in the box.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], authenticating aad: [UInt8], random: some RandomSource)
        throws(CryptoError) -> [UInt8]
    {
        let symmetricKey = try Self.symmetricKey(key)
        let nonceBytes = random.exactBytes(nonceByteCount)
        do {
            let sealed = try AES.GCM.seal(plaintext, using: symmetricKey, nonce: AES.GCM.Nonce(data: nonceBytes),
                                          authenticating: aad)
            return nonceBytes + Array(sealed.ciphertext) + Array(sealed.tag)
        } catch {
            throw CryptoError(.backend, "AES-GCM sealing failed: \(error)")
        }
    }

    /// Opens a box from `seal`. Any change to the box, a wrong key or wrong `aad` is `authenticationFailed`.
    public static func open(_ box: [UInt8], key: [UInt8], authenticating aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        let symmetricKey = try Self.symmetricKey(key)
        guard box.count >= nonceByteCount + tagByteCount else {
            throw CryptoError(.authenticationFailed, "sealed box of \(box.count) bytes is shorter than nonce and tag")
        }
        do {
            let sealed = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: box.prefix(nonceByteCount)),
                ciphertext: box.dropFirst(nonceByteCount).dropLast(tagByteCount),
                tag: box.suffix(tagByteCount))
            return Array(try AES.GCM.open(sealed, using: symmetricKey, authenticating: aad))
        } catch {
            throw CryptoError(.authenticationFailed, "sealed box does not authenticate (wrong key, wrong context or altered data)")
        }
    }

    private static func symmetricKey(_ key: [UInt8]) throws(CryptoError) -> SymmetricKey {
        guard key.count == keyByteCount else {
            throw CryptoError(.invalidKey, "an AES-256-GCM key has \(keyByteCount) bytes, got \(key.count)")
        }
        return SymmetricKey(data: key)
    }
}
