import CardCrypto
import PivlinkTesting
import Testing

@Suite struct SecretKDFTests {
    /// RFC 7914 section 12, first two vectors.
    @Test func matchesRFC7914() throws {
        let empty = try SecretKDF.deriveKey(from: [], salt: [], parameters: ScryptParameters(logN: 4, r: 1, p: 1), byteCount: 64)
        #expect(empty == hex("""
            77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442
            fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906
            """))
        let password = try SecretKDF.deriveKey(from: Array("password".utf8), salt: Array("NaCl".utf8),
                                               parameters: ScryptParameters(logN: 10, r: 8, p: 16), byteCount: 64)
        #expect(password == hex("""
            fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162
            2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640
            """))
    }

    @Test func derivesA32ByteKeyThatDependsOnEveryInput() throws {
        let pin = Array("123456".utf8)
        let salt = SeededRandom(seed: "salt").bytes(16)
        let key = try SecretKDF.deriveKey(from: pin, salt: salt, parameters: .testing)
        #expect(key.count == 32)
        #expect(try SecretKDF.deriveKey(from: pin, salt: salt, parameters: .testing) == key)
        #expect(try SecretKDF.deriveKey(from: Array("123457".utf8), salt: salt, parameters: .testing) != key)
        #expect(try SecretKDF.deriveKey(from: pin, salt: salt + [0], parameters: .testing) != key)
        #expect(try SecretKDF.deriveKey(from: pin, salt: salt, parameters: ScryptParameters(logN: 10, r: 8, p: 2)) != key)
    }

    @Test func parametersOutOfRangeAreInvalidInput() {
        let refused = [
            ScryptParameters(logN: 0, r: 8, p: 1), ScryptParameters(logN: 10, r: 0, p: 1),
            ScryptParameters(logN: 10, r: 8, p: 0), ScryptParameters(logN: 24, r: 8, p: 1),
            ScryptParameters(logN: 64, r: 8, p: 1), ScryptParameters(logN: 1, r: 1 << 16, p: 1 << 14),
        ]
        for parameters in refused {
            let error = #expect(throws: CryptoError.self) { try SecretKDF.deriveKey(from: [1], salt: [2], parameters: parameters) }
            #expect(error?.code == .invalidInput, "\(parameters)")
        }
        for byteCount in [0, 1025] {
            let error = #expect(throws: CryptoError.self) {
                try SecretKDF.deriveKey(from: [1], salt: [2], parameters: .testing, byteCount: byteCount)
            }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test func interactiveTimeIsReported() throws {
        var key: [UInt8] = []
        let time = try averageTime(rounds: 3) {
            key = try SecretKDF.deriveKey(from: Array("123456".utf8), salt: [UInt8](repeating: 7, count: 16),
                                          parameters: .interactive)
        }
        print("CardCrypto timing: scrypt .interactive (logN 15, r 8, p 1) \(milliseconds(time)) (average of 3)")
        #expect(key.count == 32)
        #expect(time < .seconds(5))
    }
}
