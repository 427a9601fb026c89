import CardCrypto

/// Makes PIN-protected keys unusable without the PIN (SP 800-157r1 §2.2.1: for software tokens, decrypt the key
/// with a key derived from the activation secret).
///
/// The vault is an X25519 key pair. Keys are sealed to its public half, so GENERATE and IMPORT (which need only
/// the management key, and before which yubico-piv-tool sends no VERIFY) can store a key without the PIN. Its
/// private half is wrapped twice: under a key derived from the PIN and under one derived from the PUK, so that
/// RESET RETRY COUNTER can set a new PIN. A right PIN is exactly one whose derived key opens its wrap, so no PIN
/// hash is kept, and the comparison is the AEAD tag check.
public struct KeyVault: Codable, Sendable, Equatable {
    public var publicKey: [UInt8]
    public var pinWrap: SecretWrap
    public var pukWrap: SecretWrap

    public enum Secret: Sendable { case pin, puk }

    static let slotKeyContext = Array("pivlink slot key v1".utf8)

    /// A new vault whose private half opens with `pin` and with `puk`.
    public static func create(
        pin: [UInt8], puk: [UInt8], parameters: ScryptParameters, random: some RandomSource
    ) throws -> (KeyVault, X25519KeyPair) {
        let pair = X25519KeyPair.generate(random: random)
        let vault = KeyVault(
            publicKey: pair.publicKey,
            pinWrap: try SecretWrap(wrapping: pair, under: pin, kind: .pin, parameters: parameters, random: random),
            pukWrap: try SecretWrap(wrapping: pair, under: puk, kind: .puk, parameters: parameters, random: random)
        )
        return (vault, pair)
    }

    /// The vault's key pair if `secret` is right, nil if it is wrong.
    public func open(with secret: [UInt8], as kind: Secret) throws(CryptoError) -> X25519KeyPair? {
        try (kind == .pin ? pinWrap : pukWrap).open(with: secret, kind: kind)
    }

    /// Replaces one wrap, as after a PIN or PUK change.
    public mutating func rewrap(
        _ pair: X25519KeyPair, under secret: [UInt8], as kind: Secret, parameters: ScryptParameters,
        random: some RandomSource
    ) throws {
        let wrap = try SecretWrap(wrapping: pair, under: secret, kind: kind, parameters: parameters, random: random)
        switch kind {
        case .pin: pinWrap = wrap
        case .puk: pukWrap = wrap
        }
    }

    public func seal(privateKey pkcs8: [UInt8], random: some RandomSource) throws -> SealedBox {
        try PublicKeyBox.seal(pkcs8, to: publicKey, authenticating: Self.slotKeyContext, random: random)
    }

    public static func unseal(_ sealed: SealedBox, with pair: X25519KeyPair) throws -> [UInt8] {
        try PublicKeyBox.open(sealed, with: pair, authenticating: slotKeyContext)
    }
}

/// The vault's private key encrypted under a key derived from the PIN or the PUK with scrypt.
public struct SecretWrap: Codable, Sendable, Equatable {
    public var salt: [UInt8]
    public var parameters: ScryptParameters
    public var box: [UInt8]

    init(
        wrapping pair: X25519KeyPair, under secret: [UInt8], kind: KeyVault.Secret, parameters: ScryptParameters,
        random: some RandomSource
    ) throws {
        salt = random.bytes(16)
        self.parameters = parameters
        var key = try SecretKDF.deriveKey(from: secret, salt: salt, parameters: parameters)
        defer { secureWipe(&key) }
        box = try SecretBox.seal(pair.privateKey, key: key, authenticating: Self.context(kind), random: random)
    }

    func open(with secret: [UInt8], kind: KeyVault.Secret) throws(CryptoError) -> X25519KeyPair? {
        var key = try SecretKDF.deriveKey(from: secret, salt: salt, parameters: parameters)
        defer { secureWipe(&key) }
        var privateKey: [UInt8]
        do {
            privateKey = try SecretBox.open(box, key: key, authenticating: Self.context(kind))
        } catch {
            guard error.code == .authenticationFailed else { throw error }
            return nil
        }
        defer { secureWipe(&privateKey) }
        return try X25519KeyPair(privateKey: privateKey)
    }

    private static func context(_ kind: KeyVault.Secret) -> [UInt8] {
        Array((kind == .pin ? "pivlink vault pin v1" : "pivlink vault puk v1").utf8)
    }
}
