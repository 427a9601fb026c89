import COpenSSL

/// Key derivation from a PIN or PUK with scrypt (RFC 7914).
public enum SecretKDF {
    public static let keyByteCount = 32

    /// A 32-byte key from `secret` and `salt`.
    public static func deriveKey(from secret: [UInt8], salt: [UInt8], parameters: ScryptParameters)
        throws(CryptoError) -> [UInt8]
    {
        try deriveKey(from: secret, salt: salt, parameters: parameters, byteCount: keyByteCount)
    }

    /// scrypt output of `byteCount` (1...1024) bytes; parameters out of range are `invalidInput`.
    public static func deriveKey(from secret: [UInt8], salt: [UInt8], parameters: ScryptParameters, byteCount: Int)
        throws(CryptoError) -> [UInt8]
    {
        guard (1...1024).contains(byteCount) else {
            throw CryptoError(.invalidInput, "scrypt output length must be 1 to 1024 bytes, got \(byteCount)")
        }
        guard let memory = parameters.memoryByteCount else {
            throw CryptoError(.invalidInput,
                              "scrypt parameters logN \(parameters.logN), r \(parameters.r), p \(parameters.p) are out of range (at most 1 GiB)")
        }
        var output = [UInt8](repeating: 0, count: byteCount)
        let status = pivlink_scrypt(secret, secret.count, salt, salt.count, UInt64(1) << parameters.logN,
                                    parameters.r, parameters.p, memory, &output, byteCount)
        try check(status, "scrypt derivation")
        return output
    }
}
