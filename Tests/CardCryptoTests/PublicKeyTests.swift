import CardCrypto
import Crypto
import Foundation
import PivlinkTesting
import Testing

@Suite struct PublicKeyTests {
    @Test(arguments: AsymmetricAlgorithm.allCases)
    func subjectPublicKeyInfoRoundTrips(algorithm: AsymmetricAlgorithm) throws {
        let publicKey = try PrivateKey.generate(algorithm).publicKey
        let der = try publicKey.subjectPublicKeyInfoDER()
        #expect(der.first == 0x30)
        let parsed = try PublicKey(subjectPublicKeyInfoDER: der)
        #expect(parsed == publicKey)
        #expect(parsed.algorithm == algorithm)
    }

    @Test func subjectPublicKeyInfoMatchesSwiftCrypto() throws {
        let p256 = P256.Signing.PrivateKey().publicKey
        let ours = PublicKey.ecP256(point: Array(p256.x963Representation))
        #expect(try ours.subjectPublicKeyInfoDER() == Array(p256.derRepresentation))
        #expect(try PublicKey(subjectPublicKeyInfoDER: Array(p256.derRepresentation)) == ours)

        let p384 = P384.Signing.PrivateKey().publicKey
        #expect(try PublicKey(subjectPublicKeyInfoDER: Array(p384.derRepresentation)) == .ecP384(point: Array(p384.x963Representation)))
    }

    /// A compressed point in SubjectPublicKeyInfo is accepted and reported uncompressed.
    @Test func compressedPointInSPKIComesOutUncompressed() throws {
        let key = P256.Signing.PrivateKey().publicKey
        let compressed = Array(key.compressedRepresentation)
        // SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING { 00 || point } }
        let algorithmIdentifier = hex("301306072a8648ce3d020106082a8648ce3d030107")
        let bitString = [0x03, UInt8(compressed.count + 1), 0x00] + compressed
        let body = algorithmIdentifier + bitString
        let der = [0x30, UInt8(body.count)] + body
        #expect(try PublicKey(subjectPublicKeyInfoDER: der) == .ecP256(point: Array(key.x963Representation)))
    }

    @Test func malformedSubjectPublicKeyInfoIsRefused() throws {
        let der = try PrivateKey.generate(.eccP256).publicKey.subjectPublicKeyInfoDER()
        for bad in [[], Array(der.dropLast()), der + [0x00], [0x30, 0x00]] {
            let error = #expect(throws: CryptoError.self) { try PublicKey(subjectPublicKeyInfoDER: bad) }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test func keysOutsidePIVAreUnsupported() throws {
        // secp256k1 (not a PIV curve), from SubjectPublicKeyInfo with a valid point: the generator.
        let algorithmIdentifier = hex("301006072a8648ce3d020106052b8104000a")
        let generator = hex("""
            04 79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798
               483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8
            """)
        let bitString = [0x03, UInt8(generator.count + 1), 0x00] + generator
        let body = algorithmIdentifier + bitString
        let k1 = [0x30, UInt8(body.count)] + body
        let k1Error = #expect(throws: CryptoError.self) { try PublicKey(subjectPublicKeyInfoDER: k1) }
        #expect(k1Error?.code == .unsupported)

        // A 1024-bit RSA key: a size PIV does not use.
        let modulus = [0xC1] + [UInt8](repeating: 0x35, count: 127)
        let rsa1024 = try PublicKey.rsa(modulus: modulus, exponent: [1, 0, 1]).subjectPublicKeyInfoDER()
        let rsaError = #expect(throws: CryptoError.self) { try PublicKey(subjectPublicKeyInfoDER: rsa1024) }
        #expect(rsaError?.code == .unsupported)
    }

    @Test func invalidComponentsAreRefusedWhenEncoding() {
        let offCurve = [0x04] + [UInt8](repeating: 0x01, count: 64)
        let cases: [(PublicKey, CryptoError.Code)] = [
            (.ecP256(point: offCurve), .invalidInput),
            (.ecP256(point: [0x04, 0x01]), .invalidInput),
            (.ecP384(point: offCurve), .invalidInput),
            (.ed25519([1, 2, 3]), .invalidInput),
            (.rsa(modulus: [], exponent: [1, 0, 1]), .invalidKey),
        ]
        for (key, code) in cases {
            let error = #expect(throws: CryptoError.self) { try key.subjectPublicKeyInfoDER() }
            #expect(error?.code == code)
        }
    }

    @Test func rsaAlgorithmFollowsTheModulusLength() {
        func rsa(_ length: Int) -> PublicKey { .rsa(modulus: [0x80] + [UInt8](repeating: 1, count: length - 1), exponent: [3]) }
        #expect(rsa(256).algorithm == .rsa2048)
        #expect(rsa(384).algorithm == .rsa3072)
        #expect(rsa(512).algorithm == .rsa4096)
        #expect(PublicKey.rsa(modulus: [0, 0] + [UInt8](repeating: 0xFF, count: 256), exponent: [3]).algorithm == .rsa2048)
    }

    @Test func verificationHelpersAnswerFalseForOtherKeyTypes() throws {
        let ed = try PrivateKey.generate(.ed25519)
        let p256 = try PrivateKey.generate(.eccP256)
        let edSignature = try ed.ed25519Sign(message: [1])
        let ecSignature = try p256.ecdsaSign(digest: [1])
        #expect(!p256.publicKey.verifyEd25519(message: [1], signature: edSignature))
        #expect(!ed.publicKey.verifyECDSA(digest: [1], derSignature: ecSignature))
        #expect(!p256.publicKey.verifyECDSA(digest: [], derSignature: ecSignature))
        #expect(!p256.publicKey.verifyECDSA(digest: [1], derSignature: []))
        #expect(!PublicKey.ecP256(point: [4, 1]).verifyECDSA(digest: [1], derSignature: ecSignature))
        let error = #expect(throws: CryptoError.self) { try p256.publicKey.rsaRawPublic([1]) }
        #expect(error?.code == .unsupported)
    }

    @Test func codableRoundTrip() throws {
        let keys: [PublicKey] = try [PrivateKey.generate(.eccP384).publicKey, PrivateKey.generate(.x25519).publicKey,
                                     .rsa(modulus: [0xC1, 2, 3], exponent: [1, 0, 1])]
        let decoded = try JSONDecoder().decode([PublicKey].self, from: JSONEncoder().encode(keys))
        #expect(decoded == keys)
    }
}
