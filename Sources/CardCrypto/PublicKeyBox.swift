import Crypto

/// Encryption to an X25519 public key (ECIES): an ephemeral X25519 key agrees a secret with the
/// recipient; HKDF-SHA256 (no salt, info "pivlink sealed key v1") over
/// shared || ephemeralPublic || recipientPublic gives the `SecretBox` key.
public enum PublicKeyBox {
    private static let info = Array("pivlink sealed key v1".utf8)

    public static func seal(_ plaintext: [UInt8], to recipientPublic: [UInt8], authenticating aad: [UInt8],
                            random: some RandomSource) throws(CryptoError) -> SealedBox
    {
        let ephemeral = X25519KeyPair.generate(random: random)
        var key: [UInt8]
        do {
            key = try boxKey(privateKey: ephemeral.privateKey, peerPublic: recipientPublic,
                             ephemeralPublic: ephemeral.publicKey, recipientPublic: recipientPublic)
        } catch {
            throw CryptoError(.invalidKey, "recipient is not a usable X25519 public key")
        }
        defer { secureWipe(&key) }
        let box = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: random)
        return SealedBox(ephemeralPublic: ephemeral.publicKey, box: box)
    }

    /// Opens a box sealed to `recipient`. A box for another recipient, altered bytes (ephemeral key
    /// included) or wrong `aad` are `authenticationFailed`.
    public static func open(_ sealed: SealedBox, with recipient: X25519KeyPair, authenticating aad: [UInt8])
        throws(CryptoError) -> [UInt8]
    {
        var key: [UInt8]
        do {
            key = try boxKey(privateKey: recipient.privateKey, peerPublic: sealed.ephemeralPublic,
                             ephemeralPublic: sealed.ephemeralPublic, recipientPublic: recipient.publicKey)
        } catch {
            throw CryptoError(.authenticationFailed, "sealed box has an unusable ephemeral key")
        }
        defer { secureWipe(&key) }
        return try SecretBox.open(sealed.box, key: key, authenticating: aad)
    }

    /// Both sides compute the same key: X25519(own private, other public) is symmetric.
    private static func boxKey(privateKey: [UInt8], peerPublic: [UInt8], ephemeralPublic: [UInt8],
                               recipientPublic: [UInt8]) throws -> [UInt8]
    {
        let ownKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateKey)
        let peerKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peerPublic)
        var shared = try ownKey.sharedSecretFromKeyAgreement(with: peerKey).withUnsafeBytes { Array($0) }
        defer { secureWipe(&shared) }
        // swift-crypto returns the all-zero secret of a small-order peer without complaint (RFC 7748 §6.1
        // leaves the check to the caller); such a peer would make the key public.
        guard !ConstantTime.equals(shared, [UInt8](repeating: 0, count: shared.count)) else {
            throw CryptoError(.invalidInput, "X25519 peer of small order")
        }
        var inputKeyMaterial = shared + ephemeralPublic + recipientPublic
        defer { secureWipe(&inputKeyMaterial) }
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), info: info,
                                             outputByteCount: SecretBox.keyByteCount)
        return derived.withUnsafeBytes { Array($0) }
    }
}
