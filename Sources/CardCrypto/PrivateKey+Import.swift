import COpenSSL

/// Private keys from the component formats of YubiKey IMPORT ASYMMETRIC KEY (INS FE).
extension PrivateKey {
    /// RSA from its CRT values (tags 01 p, 02 q, 03 dp, 04 dq, 05 qinv), with e = 65537 as the YubiKey
    /// assumes. n and d are computed; components that do not form one RSA key are `invalidKey`, a
    /// modulus other than 2048/3072/4096 bits is `unsupported`.
    public static func importRSA(p: [UInt8], q: [UInt8], dp: [UInt8], dq: [UInt8], qinv: [UInt8])
        throws(CryptoError) -> PrivateKey
    {
        let maximum = (AsymmetricAlgorithm.rsa4096.rsaModulusByteCount ?? 0) / 2
        for (name, value) in [("p", p), ("q", q), ("dp", dp), ("dq", dq), ("qinv", qinv)]
        where value.isEmpty || value.count > maximum {
            throw CryptoError(.invalidInput, "RSA component \(name) has \(value.count) bytes; 1 to \(maximum) expected")
        }
        let key = try EVPKey.make("importing RSA key from CRT components") {
            pivlink_rsa_import_crt(p, p.count, q, q.count, dp, dp.count, dq, dq.count, qinv, qinv.count, $0)
        }
        return try PrivateKey(key: key, expected: nil)
    }

    /// P-256/P-384 from the private scalar, big-endian, at most the field length (shorter values are
    /// taken as left-padded). Zero or a value not below the group order is `invalidKey`.
    public static func importEC(_ algorithm: AsymmetricAlgorithm, scalar: [UInt8]) throws(CryptoError) -> PrivateKey {
        guard let field = algorithm.ecFieldByteCount else {
            throw CryptoError(.unsupported, "importEC needs an EC algorithm, not \(algorithm)")
        }
        guard (1...field).contains(scalar.count) else {
            throw CryptoError(.invalidInput, "a \(algorithm) private scalar has at most \(field) bytes, got \(scalar.count)")
        }
        let key = try EVPKey.make("importing \(algorithm) private scalar") {
            pivlink_ec_import_scalar(algorithm.keyKind, scalar, scalar.count, $0)
        }
        return try PrivateKey(key: key, expected: algorithm)
    }

    /// Ed25519 or X25519 from the 32 raw private bytes.
    public static func import25519(_ algorithm: AsymmetricAlgorithm, rawPrivate: [UInt8]) throws(CryptoError) -> PrivateKey {
        guard algorithm == .ed25519 || algorithm == .x25519 else {
            throw CryptoError(.unsupported, "import25519 needs Ed25519 or X25519, not \(algorithm)")
        }
        guard rawPrivate.count == 32 else {
            throw CryptoError(.invalidInput, "a \(algorithm) private key has 32 bytes, got \(rawPrivate.count)")
        }
        let key = try EVPKey.make("importing \(algorithm) private key") {
            pivlink_raw_import_private(algorithm.keyKind, rawPrivate, rawPrivate.count, $0)
        }
        return try PrivateKey(key: key, expected: algorithm)
    }
}
