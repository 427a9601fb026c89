import COpenSSL

/// A public key of one of the PIV algorithms, held as plain bytes (so it is a value: Sendable,
/// Equatable, Codable). Operations build a short-lived OpenSSL key from the bytes and validate them.
public enum PublicKey: Sendable, Equatable, Codable {
    /// Big-endian modulus and public exponent without leading zero bytes.
    case rsa(modulus: [UInt8], exponent: [UInt8])
    /// Uncompressed point 04 || X || Y (65 bytes).
    case ecP256(point: [UInt8])
    /// Uncompressed point 04 || X || Y (97 bytes).
    case ecP384(point: [UInt8])
    /// 32 raw bytes (RFC 8032).
    case ed25519([UInt8])
    /// 32 raw bytes (RFC 7748).
    case x25519([UInt8])

    /// The PIV algorithm. An RSA key is classed by its modulus length (up to 256 bytes: 2048, up to 384:
    /// 3072, else 4096); keys parsed here or taken from a `PrivateKey` always have one of those exact sizes.
    public var algorithm: AsymmetricAlgorithm {
        switch self {
        case .rsa(let modulus, _):
            let length = modulus.drop(while: { $0 == 0 }).count
            return length <= 256 ? .rsa2048 : length <= 384 ? .rsa3072 : .rsa4096
        case .ecP256: return .eccP256
        case .ecP384: return .eccP384
        case .ed25519: return .ed25519
        case .x25519: return .x25519
        }
    }

    /// X.509 SubjectPublicKeyInfo DER, as certificates embed it.
    public func subjectPublicKeyInfoDER() throws(CryptoError) -> [UInt8] {
        let key = try evpKey()
        var der: UnsafeMutablePointer<UInt8>?
        var length = 0
        try check(pivlink_pkey_to_spki(key.pointer, &der, &length), "encoding SubjectPublicKeyInfo")
        guard let der else { throw CryptoError(.backend, "encoding SubjectPublicKeyInfo: OpenSSL returned no data") }
        defer { pivlink_free(der) }
        return Array(UnsafeBufferPointer(start: der, count: length))
    }

    /// Parses SubjectPublicKeyInfo DER (no trailing bytes). Keys outside the PIV algorithms and sizes
    /// are `unsupported`; malformed DER is `invalidInput`.
    public init(subjectPublicKeyInfoDER der: [UInt8]) throws(CryptoError) {
        let key = try EVPKey.make("parsing SubjectPublicKeyInfo") { pivlink_pkey_from_spki(der, der.count, $0) }
        try self.init(key: key)
    }

    /// Reads the public half of an OpenSSL key.
    init(key: EVPKey) throws(CryptoError) {
        let algorithm = try key.algorithm()
        switch algorithm {
        case .rsa2048, .rsa3072, .rsa4096:
            let capacity = 512
            var modulus = [UInt8](repeating: 0, count: capacity)
            var exponent = [UInt8](repeating: 0, count: capacity)
            var modulusLength = 0
            var exponentLength = 0
            try check(pivlink_rsa_public_components(key.pointer, &modulus, capacity, &modulusLength,
                                                    &exponent, capacity, &exponentLength),
                      "reading RSA public key")
            self = .rsa(modulus: Array(modulus.prefix(modulusLength)), exponent: Array(exponent.prefix(exponentLength)))
        case .eccP256, .eccP384:
            let field = algorithm.ecFieldByteCount ?? 0
            let point = try shimOutput(capacity: 1 + 2 * field, "reading EC public point") {
                pivlink_ec_public_point(key.pointer, field, $0, $1, $2)
            }
            self = algorithm == .eccP256 ? .ecP256(point: point) : .ecP384(point: point)
        case .ed25519, .x25519:
            let raw = try shimOutput(capacity: 32, "reading raw public key") { pivlink_raw_public_key(key.pointer, $0, $1, $2) }
            guard raw.count == 32 else { throw CryptoError(.backend, "raw public key of \(raw.count) bytes") }
            self = algorithm == .ed25519 ? .ed25519(raw) : .x25519(raw)
        }
    }

    /// Builds an OpenSSL key from the bytes; EC points must be uncompressed and on the curve.
    func evpKey() throws(CryptoError) -> EVPKey {
        switch self {
        case .rsa(let modulus, let exponent):
            guard !modulus.isEmpty, !exponent.isEmpty else {
                throw CryptoError(.invalidKey, "RSA public key without modulus or exponent")
            }
            return try EVPKey.make("building RSA public key") {
                pivlink_pkey_rsa_public(modulus, modulus.count, exponent, exponent.count, $0)
            }
        case .ecP256(let point), .ecP384(let point):
            let field = algorithm.ecFieldByteCount ?? 0
            guard point.count == 1 + 2 * field, point.first == 0x04 else {
                throw CryptoError(.invalidInput, "an EC point must be uncompressed: 04 followed by \(2 * field) bytes, got \(point.count) bytes")
            }
            return try EVPKey.make("building EC public key (point not on the curve?)") {
                pivlink_pkey_ec_public(algorithm.keyKind, point, point.count, $0)
            }
        case .ed25519(let raw), .x25519(let raw):
            guard raw.count == 32 else {
                throw CryptoError(.invalidInput, "a 25519 public key has 32 bytes, got \(raw.count)")
            }
            return try EVPKey.make("building 25519 public key") {
                pivlink_pkey_raw_public(algorithm.keyKind, raw, raw.count, $0)
            }
        }
    }

    // MARK: verification

    /// Verifies a DER ECDSA-Sig-Value over a caller-supplied hash (1...64 bytes). False for any
    /// malformed input and for keys that are not EC.
    public func verifyECDSA(digest: [UInt8], derSignature: [UInt8]) -> Bool {
        guard algorithm.ecFieldByteCount != nil, (1...64).contains(digest.count), let key = try? evpKey()
        else { return false }
        return pivlink_ecdsa_verify(key.pointer, digest, digest.count, derSignature, derSignature.count) == 1
    }

    /// Verifies a pure Ed25519 signature (64 bytes) over the message. False for keys that are not Ed25519.
    public func verifyEd25519(message: [UInt8], signature: [UInt8]) -> Bool {
        guard case .ed25519 = self, signature.count == 64, let key = try? evpKey() else { return false }
        return pivlink_ed25519_verify(key.pointer, message, message.count, signature, signature.count) == 1
    }

    /// The RSA public operation m^e mod n without padding. The input must be as long as the modulus
    /// and below it; the output has the modulus length.
    public func rsaRawPublic(_ input: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard case .rsa(let modulus, _) = self else {
            throw CryptoError(.unsupported, "rsaRawPublic needs an RSA key, not \(algorithm)")
        }
        try Self.checkRSAInput(input, modulus: modulus)
        let key = try evpKey()
        return try shimOutput(capacity: input.count, "RSA public operation") {
            pivlink_rsa_raw(key.pointer, 0, input, input.count, $0, $1, $2)
        }
    }

    /// PIV raw RSA input rule: exactly the modulus length, numerically below the modulus.
    static func checkRSAInput(_ input: [UInt8], modulus: [UInt8]) throws(CryptoError) {
        let significant = Array(modulus.drop(while: { $0 == 0 }))
        guard input.count == significant.count else {
            throw CryptoError(.invalidInput, "RSA input must be \(significant.count) bytes (the modulus length), got \(input.count)")
        }
        // Equal lengths, big-endian: lexicographic order is numeric order.
        guard input.lexicographicallyPrecedes(significant) else {
            throw CryptoError(.invalidInput, "RSA input is not below the modulus")
        }
    }
}
