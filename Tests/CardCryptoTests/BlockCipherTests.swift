import CardCrypto
import PivlinkTesting
import Testing

@Suite struct BlockCipherTests {
    struct KnownAnswer: Sendable, CustomTestStringConvertible {
        var source: String
        var algorithm: SymmetricAlgorithm
        var key: String
        var plaintext: String
        var ciphertext: String
        var testDescription: String { source }
    }

    static let knownAnswers = [
        // NIST SP 800-67 Rev. 2, appendix B example (first block "The qufc").
        KnownAnswer(source: "SP 800-67 3DES", algorithm: .tripleDES,
                    key: "0123456789abcdef 23456789abcdef01 456789abcdef0123",
                    plaintext: "5468652071756663", ciphertext: "a826fd8ce53b855f"),
        // The PIV default management key (K1 = K2 = K3) on its own bytes; computed with
        // `openssl enc -des-ede3 -nopad -K 0102030405060708...` (OpenSSL 3.0.19 command line).
        KnownAnswer(source: "PIV default key 3DES", algorithm: .tripleDES,
                    key: "0102030405060708 0102030405060708 0102030405060708",
                    plaintext: "0102030405060708", ciphertext: "77a7d6bcf57962b9"),
        // FIPS 197 appendix C.1, C.2, C.3.
        KnownAnswer(source: "FIPS 197 C.1 AES-128", algorithm: .aes128, key: "000102030405060708090a0b0c0d0e0f",
                    plaintext: "00112233445566778899aabbccddeeff", ciphertext: "69c4e0d86a7b0430d8cdb78070b4c55a"),
        KnownAnswer(source: "FIPS 197 C.2 AES-192", algorithm: .aes192,
                    key: "000102030405060708090a0b0c0d0e0f1011121314151617",
                    plaintext: "00112233445566778899aabbccddeeff", ciphertext: "dda97ca4864cdfe06eaf70a0ec0d7191"),
        KnownAnswer(source: "FIPS 197 C.3 AES-256", algorithm: .aes256,
                    key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
                    plaintext: "00112233445566778899aabbccddeeff", ciphertext: "8ea2b7ca516745bfeafc49904b496089"),
    ]

    @Test(arguments: knownAnswers)
    func knownAnswer(_ vector: KnownAnswer) throws {
        let key = hex(vector.key)
        #expect(try BlockCipher.encrypt(vector.algorithm, key: key, block: hex(vector.plaintext)) == hex(vector.ciphertext))
        #expect(try BlockCipher.decrypt(vector.algorithm, key: key, block: hex(vector.ciphertext)) == hex(vector.plaintext))
    }

    @Test(arguments: SymmetricAlgorithm.allCases)
    func encryptThenDecryptRoundTrips(algorithm: SymmetricAlgorithm) throws {
        let random = SeededRandom(seed: "block \(algorithm)")
        let key = random.bytes(algorithm.keyByteCount)
        let block = random.bytes(algorithm.blockByteCount)
        let encrypted = try BlockCipher.encrypt(algorithm, key: key, block: block)
        #expect(encrypted.count == block.count)
        #expect(encrypted != block)
        #expect(try BlockCipher.decrypt(algorithm, key: key, block: encrypted) == block)
    }

    @Test(arguments: SymmetricAlgorithm.allCases)
    func wrongKeyLengthIsInvalidKey(algorithm: SymmetricAlgorithm) {
        let block = [UInt8](repeating: 0, count: algorithm.blockByteCount)
        for length in [0, 8, algorithm.keyByteCount - 1, algorithm.keyByteCount + 1] {
            let error = #expect(throws: CryptoError.self) {
                try BlockCipher.encrypt(algorithm, key: [UInt8](repeating: 1, count: length), block: block)
            }
            #expect(error?.code == .invalidKey)
        }
    }

    @Test(arguments: SymmetricAlgorithm.allCases)
    func wrongBlockLengthIsInvalidInput(algorithm: SymmetricAlgorithm) {
        let key = [UInt8](repeating: 1, count: algorithm.keyByteCount)
        for length in [0, algorithm.blockByteCount - 1, algorithm.blockByteCount * 2] {
            let error = #expect(throws: CryptoError.self) {
                try BlockCipher.decrypt(algorithm, key: key, block: [UInt8](repeating: 0, count: length))
            }
            #expect(error?.code == .invalidInput)
        }
    }
}
