import CardCrypto
import Crypto
import PivlinkTesting
import Testing

/// `PrivateKey.importRSA`, `importEC` and `import25519` (YubiKey IMPORT ASYMMETRIC KEY formats).
@Suite struct PrivateKeyImportTests {
    // MARK: RSA

    @Test(arguments: [AsymmetricAlgorithm.rsa2048, .rsa3072])
    func rsaFromCRTComponentsIsTheSameKey(algorithm: AsymmetricAlgorithm) throws {
        let original = try PrivateKey.generate(algorithm)
        let crt = try RSACRTComponents(pkcs8DER: original.pkcs8DER())

        let imported = try PrivateKey.importRSA(p: crt.p, q: crt.q, dp: crt.dp, dq: crt.dq, qinv: crt.qinv)

        #expect(imported.algorithm == algorithm)
        #expect(imported.publicKey == original.publicKey)
        let input = [0x01] + SeededRandom(seed: "crt").bytes(try #require(algorithm.rsaModulusByteCount) - 1)
        #expect(try imported.rsaRawPrivate(input) == original.rsaRawPrivate(input))
    }

    /// The YubiKey sends each component at a fixed length (half the modulus), so leading zeros occur.
    @Test func rsaComponentsMayCarryLeadingZeros() throws {
        let original = try PrivateKey.generate(.rsa2048)
        let crt = try RSACRTComponents(pkcs8DER: original.pkcs8DER())
        let imported = try PrivateKey.importRSA(p: [0] + crt.p, q: crt.q, dp: [0, 0] + crt.dp, dq: crt.dq, qinv: [0] + crt.qinv)
        #expect(imported.publicKey == original.publicKey)
    }

    @Test func inconsistentRSAComponentsAreRefused() throws {
        let crt = try RSACRTComponents(pkcs8DER: PrivateKey.generate(.rsa2048).pkcs8DER())
        func flipped(_ value: [UInt8]) -> [UInt8] {
            var value = value
            value[value.count - 1] ^= 0x02
            return value
        }
        let other = try RSACRTComponents(pkcs8DER: PrivateKey.generate(.rsa2048).pkcs8DER())
        let corrupted: [(String, RSACRTComponents)] = [
            ("p", RSACRTComponents(p: flipped(crt.p), q: crt.q, dp: crt.dp, dq: crt.dq, qinv: crt.qinv)),
            ("q", RSACRTComponents(p: crt.p, q: flipped(crt.q), dp: crt.dp, dq: crt.dq, qinv: crt.qinv)),
            ("dp", RSACRTComponents(p: crt.p, q: crt.q, dp: flipped(crt.dp), dq: crt.dq, qinv: crt.qinv)),
            ("dq", RSACRTComponents(p: crt.p, q: crt.q, dp: crt.dp, dq: flipped(crt.dq), qinv: crt.qinv)),
            ("qinv", RSACRTComponents(p: crt.p, q: crt.q, dp: crt.dp, dq: crt.dq, qinv: flipped(crt.qinv))),
            ("p and q swapped", RSACRTComponents(p: crt.q, q: crt.p, dp: crt.dq, dq: crt.dp, qinv: crt.qinv)),
            ("q of another key", RSACRTComponents(p: crt.p, q: other.q, dp: crt.dp, dq: other.dq, qinv: crt.qinv)),
            ("p = q", RSACRTComponents(p: crt.p, q: crt.p, dp: crt.dp, dq: crt.dp, qinv: [1])),
        ]
        for (name, bad) in corrupted {
            let error = #expect(throws: CryptoError.self, "\(name)") {
                try PrivateKey.importRSA(p: bad.p, q: bad.q, dp: bad.dp, dq: bad.dq, qinv: bad.qinv)
            }
            #expect(error?.code == .invalidKey, "\(name)")
        }
    }

    /// p and q that pass the CRT arithmetic but are not both prime: OpenSSL's key check must refuse them.
    @Test func compositeFactorsAreRefused() throws {
        // p = 15, q = 7 make every CRT relation computable; 15 is not prime.
        let error = #expect(throws: CryptoError.self) {
            // e^-1 mod lcm(14, 6) = 65537^-1 mod 42 = 5; dp = 5 mod 14, dq = 5 mod 6; qinv = 7^-1 mod 15 = 13.
            try PrivateKey.importRSA(p: [15], q: [7], dp: [5], dq: [5], qinv: [13])
        }
        #expect(error?.code == .invalidKey)
    }

    @Test func rsaOfAnUnusedSizeIsUnsupported() throws {
        // A consistent 1024-bit key (generated with `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024`).
        let error = #expect(throws: CryptoError.self) {
            try PrivateKey.importRSA(
                p: hex("fd27cf102adc0c379450e1f757ac3fbf8dd1c2db8d77e37abbd5f0a65ef95a9bbbce849052b9fecf8c719250d7e6c62572865d6f44d4dd6c1dabd8bf592861a9"),
                q: hex("d7b75834fcdb8334bbb3177362f9c7403fcad4490ad71a0cd55cb2d6da546bd6d8db5bcef08ff9fdd3da0e5b1f03c3033aadbc5fcb4cae544ee8da9804cb3155"),
                dp: hex("18e841c72570610356e45e5727991aec8dd785847476c73adc20407d1dfb0a9f27eb39bfb963f35e18435451ffec04b2ca81cdcf94c61cc2f66861faf19ab781"),
                dq: hex("7a30e5eb25ec25f741f7616a3fff62c957194a84917a64cc2e33d32df70069118b473e4b0b6352e560129d9d2a05547ac8cb4ef02855a84e2360ad29fd5527fd"),
                qinv: hex("fd12616abf2cb27efd01d9c7d383b44b3addce51df9829622715a690ce9dd251c987b94728e30caf2295067c523bb2742e8dc43eeff7d40d474b35ef99749b8f"))
        }
        #expect(error?.code == .unsupported)
    }

    @Test func emptyOrOversizedRSAComponentsAreInvalidInput() {
        let half = [UInt8](repeating: 0x7F, count: 128)
        for (p, qinv) in [([UInt8](), half), (half, [UInt8](repeating: 1, count: 257))] {
            let error = #expect(throws: CryptoError.self) {
                try PrivateKey.importRSA(p: p, q: half, dp: half, dq: half, qinv: qinv)
            }
            #expect(error?.code == .invalidInput)
        }
    }

    // MARK: EC

    @Test func ecScalarGivesTheSamePointAsSwiftCrypto() throws {
        let p256 = P256.Signing.PrivateKey()
        let imported256 = try PrivateKey.importEC(.eccP256, scalar: Array(p256.rawRepresentation))
        #expect(imported256.publicKey == .ecP256(point: Array(p256.publicKey.x963Representation)))

        let p384 = P384.Signing.PrivateKey()
        let imported384 = try PrivateKey.importEC(.eccP384, scalar: Array(p384.rawRepresentation))
        #expect(imported384.publicKey == .ecP384(point: Array(p384.publicKey.x963Representation)))

        // The imported key signs as the original: swift-crypto verifies it.
        let digest = SHA256.hash(data: Array("imported".utf8))
        let signature = try P256.Signing.ECDSASignature(derRepresentation: imported256.ecdsaSign(digest: Array(digest)))
        #expect(p256.publicKey.isValidSignature(signature, for: digest))
    }

    /// A short scalar is read as left-padded: 1 gives the generator (SEC 2 / FIPS 186-4 base point G).
    @Test func shortScalarIsLeftPadded() throws {
        let generator = hex("""
            04 6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296
               4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5
            """)
        #expect(try PrivateKey.importEC(.eccP256, scalar: [0x01]).publicKey == .ecP256(point: generator))
        #expect(try PrivateKey.importEC(.eccP256, scalar: [0, 0, 1]).publicKey == .ecP256(point: generator))
    }

    @Test func scalarOutsideOneToOrderIsRefused() throws {
        let p256Order = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
        var orderMinusOne = p256Order
        orderMinusOne[31] -= 1
        #expect(try PrivateKey.importEC(.eccP256, scalar: orderMinusOne).algorithm == .eccP256)

        for scalar in [[UInt8](repeating: 0, count: 32), p256Order, [UInt8](repeating: 0xFF, count: 32)] {
            let error = #expect(throws: CryptoError.self) { try PrivateKey.importEC(.eccP256, scalar: scalar) }
            #expect(error?.code == .invalidKey)
        }
        for scalar in [[], [UInt8](repeating: 1, count: 33)] {
            let error = #expect(throws: CryptoError.self) { try PrivateKey.importEC(.eccP256, scalar: scalar) }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test func importWithANonMatchingAlgorithmIsUnsupported() {
        let errors = [
            #expect(throws: CryptoError.self) { try PrivateKey.importEC(.rsa2048, scalar: [1]) },
            #expect(throws: CryptoError.self) { try PrivateKey.importEC(.ed25519, scalar: [1]) },
            #expect(throws: CryptoError.self) { try PrivateKey.import25519(.eccP256, rawPrivate: [UInt8](repeating: 1, count: 32)) },
        ]
        #expect(errors.map { $0?.code } == Array(repeating: .unsupported, count: 3))
    }

    // MARK: 25519

    @Test func ed25519FromRawBytesMatchesSwiftCrypto() throws {
        let theirs = Curve25519.Signing.PrivateKey()
        let imported = try PrivateKey.import25519(.ed25519, rawPrivate: Array(theirs.rawRepresentation))
        #expect(imported.publicKey == .ed25519(Array(theirs.publicKey.rawRepresentation)))
        // Ed25519 is deterministic: both implementations produce the same signature.
        let message = Array("deterministic".utf8)
        #expect(try imported.ed25519Sign(message: message) == Array(theirs.signature(for: message)))
    }

    @Test func raw25519OfWrongLengthIsInvalidInput() {
        for length in [0, 31, 33] {
            let error = #expect(throws: CryptoError.self) {
                try PrivateKey.import25519(.x25519, rawPrivate: [UInt8](repeating: 1, count: length))
            }
            #expect(error?.code == .invalidInput)
        }
    }
}
