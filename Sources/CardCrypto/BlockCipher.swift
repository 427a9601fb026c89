import COpenSSL

/// Single-block ECB encryption and decryption for the PIV management-key challenge-response
/// (GENERAL AUTHENTICATE on key 9B). 3DES keys are used as given: the YubiKey's default key has
/// K1 = K2 = K3, so parity and weak-key checks would refuse a key every client expects to work.
public enum BlockCipher {
    public static func encrypt(_ algorithm: SymmetricAlgorithm, key: [UInt8], block: [UInt8]) throws(CryptoError) -> [UInt8] {
        try run(algorithm, encrypt: true, key: key, block: block)
    }

    public static func decrypt(_ algorithm: SymmetricAlgorithm, key: [UInt8], block: [UInt8]) throws(CryptoError) -> [UInt8] {
        try run(algorithm, encrypt: false, key: key, block: block)
    }

    private static func run(_ algorithm: SymmetricAlgorithm, encrypt: Bool, key: [UInt8], block: [UInt8])
        throws(CryptoError) -> [UInt8]
    {
        guard key.count == algorithm.keyByteCount else {
            throw CryptoError(.invalidKey, "a \(algorithm) key has \(algorithm.keyByteCount) bytes, got \(key.count)")
        }
        guard block.count == algorithm.blockByteCount else {
            throw CryptoError(.invalidInput, "a \(algorithm) block has \(algorithm.blockByteCount) bytes, got \(block.count)")
        }
        var output = [UInt8](repeating: 0, count: block.count)
        let status = pivlink_block_cipher(algorithm.ecbCipher, encrypt ? 1 : 0, key, key.count, block, block.count, &output)
        try check(status, "\(algorithm) ECB \(encrypt ? "encryption" : "decryption")")
        return output
    }
}
