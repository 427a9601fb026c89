import CardCrypto
import Crypto
import _CryptoExtras
import PivlinkTesting
import Testing

@Suite struct PrivateKeyTests {
    // MARK: generation and PKCS#8

    @Test(arguments: AsymmetricAlgorithm.allCases)
    func generatedKeyRoundTripsThroughPKCS8(algorithm: AsymmetricAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        #expect(key.algorithm == algorithm)
        #expect(key.publicKey.algorithm == algorithm)

        let restored = try PrivateKey(pkcs8DER: key.pkcs8DER(), algorithm: algorithm)
        #expect(restored.algorithm == algorithm)
        #expect(restored.publicKey == key.publicKey)
    }

    @Test(arguments: AsymmetricAlgorithm.allCases)
    func generatedPublicKeyHasPIVShape(algorithm: AsymmetricAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        switch key.publicKey {
        case .rsa(let modulus, let exponent):
            #expect(modulus.count == algorithm.rsaModulusByteCount)
            #expect(modulus.first.map { $0 >= 0x80 } == true)
            #expect(exponent == [0x01, 0x00, 0x01])
        case .ecP256(let point), .ecP384(let point):
            #expect(point.count == 1 + 2 * (algorithm.ecFieldByteCount ?? 0))
            #expect(point.first == 0x04)
        case .ed25519(let raw), .x25519(let raw):
            #expect(raw.count == 32)
        }
    }

    @Test func pkcs8OfAnotherAlgorithmOrSizeIsRefused() throws {
        let p256 = try PrivateKey.generate(.eccP256).pkcs8DER()
        let rsa = try PrivateKey.generate(.rsa2048).pkcs8DER()
        let ed = try PrivateKey.generate(.ed25519).pkcs8DER()
        for (der, wrong) in [(p256, AsymmetricAlgorithm.eccP384), (p256, .ed25519), (rsa, .rsa3072),
                             (rsa, .eccP256), (ed, .x25519)] {
            let error = #expect(throws: CryptoError.self) { try PrivateKey(pkcs8DER: der, algorithm: wrong) }
            #expect(error?.code == .invalidKey)
        }
    }

    /// A well-formed PKCS#8 key of an algorithm PIV does not use (Ed448, made with `openssl genpkey`).
    @Test func pkcs8OfANonPIVAlgorithmIsInvalidKey() {
        let ed448 = hex("""
            3047020100300506032b6571043b0439adafab894403dc5064869cab19d150311b433ed0638d8b5376b6afe2ca07a1b5633a
            ab9debcb9b83df613afe1fcbd60a47d65a1fb278fb84db
            """)
        let error = #expect(throws: CryptoError.self) { try PrivateKey(pkcs8DER: ed448, algorithm: .ed25519) }
        #expect(error?.code == .invalidKey)
    }

    @Test func malformedPKCS8IsRefused() throws {
        let der = try PrivateKey.generate(.eccP256).pkcs8DER()
        // A SEC 1 ECPrivateKey (the "traditional" encoding), which is not PKCS#8.
        let sec1 = hex("""
            30740201010420e78c67d9e82146323f398c5d5e2c3172566fd4cb21b0f1219a423ec7eb222abea00706052b8104000aa144
            03420004c43990db9a09c6a7f34801de5d784fba2dbfa30b1b9053933a8084576743d34a1b408c079c0ee333a36bee114b17
            f6f6db5c75d23a484c955e5f72de80ed868a
            """)
        for bad in [[], Array(der.dropLast()), der + [0x00], [0x30, 0x03, 0x02, 0x01, 0x00], sec1] {
            let error = #expect(throws: CryptoError.self) { try PrivateKey(pkcs8DER: bad, algorithm: .eccP256) }
            #expect(error?.code == .invalidKey)
        }
    }

    // MARK: RSA

    @Test(arguments: [AsymmetricAlgorithm.rsa2048, .rsa3072, .rsa4096])
    func rawPrivateThenRawPublicGivesTheInputBack(algorithm: AsymmetricAlgorithm) throws {
        let key = try PrivateKey.generate(algorithm)
        let length = try #require(algorithm.rsaModulusByteCount)
        let input = [0x01] + SeededRandom(seed: "rsa \(algorithm)").bytes(length - 1)

        let signed = try key.rsaRawPrivate(input)
        #expect(signed.count == length)
        #expect(signed != input)
        #expect(try key.publicKey.rsaRawPublic(signed) == input)
    }

    @Test func rawOutputsKeepTheirLeadingZeros() throws {
        let key = try PrivateKey.generate(.rsa2048)
        // m^d for a small m: encrypt 5 and decrypt it again; the result must still be 256 bytes.
        let small = [UInt8](repeating: 0, count: 255) + [5]
        let encrypted = try key.publicKey.rsaRawPublic(small)
        #expect(try key.rsaRawPrivate(encrypted) == small)
    }

    @Test func rawInputOfWrongLengthOrNotBelowModulusIsRefused() throws {
        let key = try PrivateKey.generate(.rsa2048)
        let modulus = try #require(key.publicKey.rsaModulus)
        let refused: [[UInt8]] = [
            [UInt8](repeating: 1, count: 255), [UInt8](repeating: 1, count: 257), [],
            modulus, [UInt8](repeating: 0xFF, count: 256),
        ]
        for input in refused {
            let privateError = #expect(throws: CryptoError.self) { try key.rsaRawPrivate(input) }
            #expect(privateError?.code == .invalidInput)
            let publicError = #expect(throws: CryptoError.self) { try key.publicKey.rsaRawPublic(input) }
            #expect(publicError?.code == .invalidInput)
        }
        var justBelow = modulus
        justBelow[255] -= 1
        #expect(try key.publicKey.rsaRawPublic(try key.rsaRawPrivate(justBelow)) == justBelow)
    }

    /// A PKCS#1 v1.5 signature built by hand from the raw private operation verifies in swift-crypto:
    /// the raw operation and the SubjectPublicKeyInfo both agree with an independent implementation.
    @Test func rawPrivateSignatureVerifiesInSwiftCrypto() throws {
        let key = try PrivateKey.generate(.rsa2048)
        let message = Array("pivlink".utf8)
        let digestInfoPrefix = hex("3031300d060960864801650304020105000420")
        let digestInfo = digestInfoPrefix + Array(SHA256.hash(data: message))
        let padded = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: 256 - 3 - digestInfo.count) + [0x00] + digestInfo

        let signature = try key.rsaRawPrivate(padded)

        let verifier = try _RSA.Signing.PublicKey(derRepresentation: key.publicKey.subjectPublicKeyInfoDER())
        #expect(verifier.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: message,
                                          padding: .insecurePKCS1v1_5))
    }

    @Test func rsaKeysOfferNoOtherOperation() throws {
        let key = try PrivateKey.generate(.rsa2048)
        let errors = [
            #expect(throws: CryptoError.self) { try key.ecdsaSign(digest: [1]) },
            #expect(throws: CryptoError.self) { try key.ecdh(peerPoint: [4]) },
            #expect(throws: CryptoError.self) { try key.ed25519Sign(message: []) },
            #expect(throws: CryptoError.self) { try key.x25519(peerPublic: []) },
        ]
        #expect(errors.map { $0?.code } == Array(repeating: .unsupported, count: 4))
    }

    // MARK: ECDSA

    @Test(arguments: [(AsymmetricAlgorithm.eccP256, 32), (.eccP256, 48), (.eccP256, 20), (.eccP384, 48), (.eccP384, 64)])
    func ecdsaSignatureVerifies(algorithm: AsymmetricAlgorithm, digestLength: Int) throws {
        let key = try PrivateKey.generate(algorithm)
        let digest = SeededRandom(seed: "digest").bytes(digestLength)
        let signature = try key.ecdsaSign(digest: digest)
        #expect(signature.first == 0x30)
        #expect(key.publicKey.verifyECDSA(digest: digest, derSignature: signature))

        var flippedDigest = digest
        flippedDigest[0] ^= 0x01
        #expect(!key.publicKey.verifyECDSA(digest: flippedDigest, derSignature: signature))
        var flippedSignature = signature
        flippedSignature[signature.count - 1] ^= 0x01
        #expect(!key.publicKey.verifyECDSA(digest: digest, derSignature: flippedSignature))
        let other = try PrivateKey.generate(algorithm)
        #expect(!other.publicKey.verifyECDSA(digest: digest, derSignature: signature))
    }

    @Test func ecdsaDigestLengthIsChecked() throws {
        let key = try PrivateKey.generate(.eccP256)
        for digest in [[], [UInt8](repeating: 1, count: 65)] {
            let error = #expect(throws: CryptoError.self) { try key.ecdsaSign(digest: digest) }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test func ecdsaInteroperatesWithSwiftCryptoOnP256() throws {
        let key = try PrivateKey.generate(.eccP256)
        let point = try #require(key.publicKey.ecPoint)
        let theirs = try P256.Signing.PublicKey(x963Representation: point)
        let sha256 = SHA256.hash(data: Array("challenge".utf8))
        let sha384 = SHA384.hash(data: Array("challenge".utf8))

        let ours256 = try key.ecdsaSign(digest: Array(sha256))
        #expect(theirs.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: ours256), for: sha256))
        // A 48-byte hash on P-256 is truncated to its leftmost 256 bits by both implementations.
        let ours384 = try key.ecdsaSign(digest: Array(sha384))
        #expect(theirs.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: ours384), for: sha384))

        let swiftKey = P256.Signing.PrivateKey()
        let swiftSignature = try swiftKey.signature(for: sha256)
        let swiftPublic = PublicKey.ecP256(point: Array(swiftKey.publicKey.x963Representation))
        #expect(swiftPublic.verifyECDSA(digest: Array(sha256), derSignature: Array(swiftSignature.derRepresentation)))
    }

    @Test func ecdsaInteroperatesWithSwiftCryptoOnP384() throws {
        let key = try PrivateKey.generate(.eccP384)
        let point = try #require(key.publicKey.ecPoint)
        let digest = SHA384.hash(data: Array("challenge".utf8))
        let signature = try key.ecdsaSign(digest: Array(digest))
        let theirs = try P384.Signing.PublicKey(x963Representation: point)
        #expect(theirs.isValidSignature(try P384.Signing.ECDSASignature(derRepresentation: signature), for: digest))
    }

    // MARK: key agreement

    @Test(arguments: [AsymmetricAlgorithm.eccP256, .eccP384])
    func ecdhAgreesInBothDirections(algorithm: AsymmetricAlgorithm) throws {
        let alice = try PrivateKey.generate(algorithm)
        let bob = try PrivateKey.generate(algorithm)
        let fromAlice = try alice.ecdh(peerPoint: #require(bob.publicKey.ecPoint))
        let fromBob = try bob.ecdh(peerPoint: #require(alice.publicKey.ecPoint))
        #expect(fromAlice == fromBob)
        #expect(fromAlice.count == algorithm.ecFieldByteCount)
    }

    @Test func ecdhMatchesSwiftCrypto() throws {
        let ours = try PrivateKey.generate(.eccP256)
        let theirs = P256.KeyAgreement.PrivateKey()
        let shared = try ours.ecdh(peerPoint: Array(theirs.publicKey.x963Representation))

        let sameKeyInSwiftCrypto = try P256.KeyAgreement.PrivateKey(derRepresentation: ours.pkcs8DER())
        let expected = try sameKeyInSwiftCrypto.sharedSecretFromKeyAgreement(with: theirs.publicKey)
        #expect(shared == expected.withUnsafeBytes { Array($0) })
    }

    @Test func ecdhRefusesPointsOffTheCurveOrMalformed() throws {
        let key = try PrivateKey.generate(.eccP256)
        let valid = try #require(PrivateKey.generate(.eccP256).publicKey.ecPoint)
        var offCurve = valid
        offCurve[64] ^= 0x01
        let compressed: [UInt8] = [0x02 | (valid[64] & 1)] + valid[1...32]
        let p384Point = try #require(PrivateKey.generate(.eccP384).publicKey.ecPoint)
        let refused: [[UInt8]] = [offCurve, compressed, [0x00], [], p384Point, [0x05] + valid.dropFirst()]
        for bad in refused {
            let error = #expect(throws: CryptoError.self) { try key.ecdh(peerPoint: bad) }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test func x25519AgreesInBothDirectionsAndWithSwiftCrypto() throws {
        let alice = try PrivateKey.generate(.x25519)
        let bob = try PrivateKey.generate(.x25519)
        let fromAlice = try alice.x25519(peerPublic: #require(bob.publicKey.raw25519))
        #expect(try bob.x25519(peerPublic: #require(alice.publicKey.raw25519)) == fromAlice)

        let theirs = Curve25519.KeyAgreement.PrivateKey()
        let imported = try PrivateKey.import25519(.x25519, rawPrivate: Array(theirs.rawRepresentation))
        #expect(try #require(imported.publicKey.raw25519) == Array(theirs.publicKey.rawRepresentation))
        let expected = try theirs.sharedSecretFromKeyAgreement(
            with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: #require(alice.publicKey.raw25519)))
        #expect(try imported.x25519(peerPublic: #require(alice.publicKey.raw25519)) == expected.withUnsafeBytes { Array($0) })
    }

    /// RFC 7748 section 6.1.
    @Test func x25519MatchesRFC7748() throws {
        let alice = try PrivateKey.import25519(
            .x25519, rawPrivate: hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        #expect(alice.publicKey == .x25519(hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")))
        let bobPublic = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        #expect(try alice.x25519(peerPublic: bobPublic)
            == hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"))
    }

    @Test func x25519RefusesSmallOrderAndMalformedPeers() throws {
        let key = try PrivateKey.generate(.x25519)
        let smallOrder = [[UInt8](repeating: 0, count: 32), [1] + [UInt8](repeating: 0, count: 31)]
        for bad in smallOrder + [[], [UInt8](repeating: 9, count: 31)] {
            let error = #expect(throws: CryptoError.self) { try key.x25519(peerPublic: bad) }
            #expect(error?.code == .invalidInput)
        }
    }

    // MARK: Ed25519

    @Test func ed25519SignsAndVerifiesAndMatchesSwiftCrypto() throws {
        let key = try PrivateKey.generate(.ed25519)
        let message = Array("sign me".utf8)
        let signature = try key.ed25519Sign(message: message)
        #expect(signature.count == 64)
        #expect(key.publicKey.verifyEd25519(message: message, signature: signature))
        var flipped = signature
        flipped[10] ^= 0x80
        #expect(!key.publicKey.verifyEd25519(message: message, signature: flipped))
        #expect(!key.publicKey.verifyEd25519(message: message + [0], signature: signature))

        let theirPublic = try Curve25519.Signing.PublicKey(rawRepresentation: #require(key.publicKey.raw25519))
        #expect(theirPublic.isValidSignature(signature, for: message))

        let theirs = Curve25519.Signing.PrivateKey()
        let theirSignature = try theirs.signature(for: message)
        #expect(PublicKey.ed25519(Array(theirs.publicKey.rawRepresentation))
            .verifyEd25519(message: message, signature: Array(theirSignature)))
    }

    /// RFC 8032 section 7.1, TEST 1 (empty message).
    @Test func ed25519MatchesRFC8032() throws {
        let key = try PrivateKey.import25519(
            .ed25519, rawPrivate: hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
        #expect(key.publicKey == .ed25519(hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")))
        #expect(try key.ed25519Sign(message: []) == hex("""
            e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b
            """))
    }

    // MARK: timing (reported in the test output)

    @Test func operationTimesAreReported() throws {
        let p256 = try PrivateKey.generate(.eccP256)
        let digest = [UInt8](repeating: 0x5A, count: 32)
        let signTime = try averageTime(rounds: 200) { _ = try p256.ecdsaSign(digest: digest) }

        let rsa = try PrivateKey.generate(.rsa2048)
        let input = [0x01] + [UInt8](repeating: 0x5A, count: 255)
        let rsaTime = try averageTime(rounds: 50) { _ = try rsa.rsaRawPrivate(input) }

        print("CardCrypto timing: P-256 ECDSA sign \(milliseconds(signTime)), RSA-2048 raw private operation \(milliseconds(rsaTime)) (averages)")
        #expect(signTime < .milliseconds(50))
        #expect(rsaTime < .milliseconds(250))
    }
}
