import COpenSSL

/// An asymmetric private key held in an OpenSSL EVP_PKEY, freed (and its secrets cleared by OpenSSL)
/// when the object goes away. Not Sendable: it owns a C handle; keep it on one task or actor.
public final class PrivateKey {
    public let algorithm: AsymmetricAlgorithm
    /// Computed once when the key is created.
    public let publicKey: PublicKey
    private let key: EVPKey

    /// Adopts an OpenSSL key, refusing one of another algorithm or size than `expected` (when given):
    /// against an expectation even a key PIV cannot use at all is simply the wrong key, `invalidKey`.
    init(key: EVPKey, expected: AsymmetricAlgorithm?) throws(CryptoError) {
        let algorithm: AsymmetricAlgorithm
        do {
            algorithm = try key.algorithm()
        } catch {
            guard let expected, error.code == .unsupported else { throw error }
            throw CryptoError(.invalidKey, "expected a \(expected) key: \(error.detail)")
        }
        if let expected, expected != algorithm {
            throw CryptoError(.invalidKey, "expected a \(expected) key, got \(algorithm)")
        }
        self.algorithm = algorithm
        self.publicKey = try PublicKey(key: key)
        self.key = key
    }

    /// A fresh key from OpenSSL's generator (RSA with public exponent 65537).
    public static func generate(_ algorithm: AsymmetricAlgorithm) throws(CryptoError) -> PrivateKey {
        let bits = UInt32((algorithm.rsaModulusByteCount ?? 0) * 8)
        let key = try EVPKey.make("generating \(algorithm) key") { pivlink_pkey_generate(algorithm.keyKind, bits, $0) }
        return try PrivateKey(key: key, expected: algorithm)
    }

    /// Parses PKCS#8 PrivateKeyInfo DER. A key of another algorithm or size is `invalidKey`.
    public convenience init(pkcs8DER der: [UInt8], algorithm: AsymmetricAlgorithm) throws(CryptoError) {
        let key = try EVPKey.make("parsing PKCS#8 private key") { pivlink_pkey_from_pkcs8(der, der.count, $0) }
        try self.init(key: key, expected: algorithm)
    }

    /// PKCS#8 PrivateKeyInfo DER. SECRET: callers must encrypt it before it leaves memory.
    public func pkcs8DER() throws(CryptoError) -> [UInt8] {
        var der: UnsafeMutablePointer<UInt8>?
        var length = 0
        try check(pivlink_pkey_to_pkcs8(key.pointer, &der, &length), "encoding PKCS#8 private key")
        guard let der else { throw CryptoError(.backend, "encoding PKCS#8 private key: OpenSSL returned no data") }
        defer { pivlink_free_secret(der, length) }
        return Array(UnsafeBufferPointer(start: der, count: length))
    }

    // MARK: operations

    /// The RSA private operation m^d mod n without padding, as PIV GENERAL AUTHENTICATE does it. The
    /// input must be as long as the modulus and below it (else `invalidInput`); the output has the
    /// modulus length.
    public func rsaRawPrivate(_ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard case .rsa(let modulus, _) = publicKey else {
            throw CryptoError(.unsupported, "rsaRawPrivate needs an RSA key, not \(algorithm)")
        }
        try PublicKey.checkRSAInput(input, modulus: modulus)
        return try shimOutput(capacity: input.count, "RSA private operation") {
            pivlink_rsa_raw(key.pointer, 1, input, input.count, $0, $1, $2)
        }
    }

    /// ECDSA over a caller-supplied hash of 1...64 bytes (longer than the order: truncated to its bit
    /// length as ECDSA specifies). Returns the DER ECDSA-Sig-Value SEQUENCE { r, s }.
    public func ecdsaSign(digest: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let field = algorithm.ecFieldByteCount else {
            throw CryptoError(.unsupported, "ecdsaSign needs an EC key, not \(algorithm)")
        }
        guard (1...64).contains(digest.count) else {
            throw CryptoError(.invalidInput, "an ECDSA digest has 1 to 64 bytes, got \(digest.count)")
        }
        // SEQUENCE { INTEGER r, INTEGER s }: each integer at most field + 1 bytes plus tag and length.
        return try shimOutput(capacity: 2 * (field + 3) + 3, "ECDSA signing") {
            pivlink_ecdsa_sign(key.pointer, digest, digest.count, $0, $1, $2)
        }
    }

    /// ECDH on P-256/P-384 with an uncompressed peer point, which must lie on the curve. Returns the
    /// shared X coordinate (field length bytes).
    public func ecdh(peerPoint: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let field = algorithm.ecFieldByteCount else {
            throw CryptoError(.unsupported, "ecdh needs an EC key, not \(algorithm)")
        }
        let peerKey: PublicKey = algorithm == .eccP256 ? .ecP256(point: peerPoint) : .ecP384(point: peerPoint)
        return try derive(with: peerKey.evpKey(), length: field, "ECDH")
    }

    /// Pure Ed25519 (RFC 8032) signature over the message; 64 bytes.
    public func ed25519Sign(message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard algorithm == .ed25519 else {
            throw CryptoError(.unsupported, "ed25519Sign needs an Ed25519 key, not \(algorithm)")
        }
        return try shimOutput(capacity: 64, "Ed25519 signing") {
            pivlink_ed25519_sign(key.pointer, message, message.count, $0, $1, $2)
        }
    }

    /// X25519 with the peer's 32-byte public key. A peer of small order (all-zero secret) is `invalidInput`.
    public func x25519(peerPublic: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard algorithm == .x25519 else {
            throw CryptoError(.unsupported, "x25519 needs an X25519 key, not \(algorithm)")
        }
        let shared = try derive(with: PublicKey.x25519(peerPublic).evpKey(), length: 32, "X25519")
        // OpenSSL refuses this already; the check keeps the guarantee independent of the backend.
        guard !ConstantTime.equals(shared, [UInt8](repeating: 0, count: 32)) else {
            throw CryptoError(.invalidInput, "X25519 with this peer gives the all-zero secret (small-order point)")
        }
        return shared
    }

    private func derive(with peer: EVPKey, length: Int, _ operation: String) throws(CryptoError) -> [UInt8] {
        let shared = try shimOutput(capacity: length, "\(operation) key agreement") {
            pivlink_derive(key.pointer, peer.pointer, $0, $1, $2)
        }
        guard shared.count == length else {
            throw CryptoError(.backend, "\(operation) produced \(shared.count) bytes instead of \(length)")
        }
        return shared
    }
}
