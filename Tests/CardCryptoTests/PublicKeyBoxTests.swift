import CardCrypto
import Crypto
import PivlinkTesting
import Testing

@Suite struct PublicKeyBoxTests {
    let recipient = X25519KeyPair.generate(random: SeededRandom(seed: "recipient"))
    let plaintext = Array("store key".utf8)
    let aad = Array("pivlink store v1".utf8)

    @Test func sealThenOpenRoundTrips() throws {
        let sealed = try PublicKeyBox.seal(plaintext, to: recipient.publicKey, authenticating: aad, random: SystemRandom())
        #expect(sealed.ephemeralPublic.count == 32)
        #expect(try PublicKeyBox.open(sealed, with: recipient, authenticating: aad) == plaintext)
    }

    /// Recomputes the documented construction with swift-crypto alone and opens the box with it.
    @Test func constructionIsTheDocumentedECIES() throws {
        let sealed = try PublicKeyBox.seal(plaintext, to: recipient.publicKey, authenticating: aad,
                                           random: SeededRandom(seed: "ecies"))
        let recipientKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: recipient.privateKey)
        let shared = try recipientKey.sharedSecretFromKeyAgreement(
            with: Curve25519.KeyAgreement.PublicKey(rawRepresentation: sealed.ephemeralPublic))
        let inputKeyMaterial = shared.withUnsafeBytes { Array($0) } + sealed.ephemeralPublic + recipient.publicKey
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: inputKeyMaterial),
                                         info: Array("pivlink sealed key v1".utf8), outputByteCount: 32)
        #expect(try SecretBox.open(sealed.box, key: key.withUnsafeBytes { Array($0) }, authenticating: aad) == plaintext)
    }

    @Test func ephemeralKeyAndNonceComeFromTheInjectedRandomSource() throws {
        let first = try PublicKeyBox.seal(plaintext, to: recipient.publicKey, authenticating: aad,
                                          random: SeededRandom(seed: "e"))
        let second = try PublicKeyBox.seal(plaintext, to: recipient.publicKey, authenticating: aad,
                                           random: SeededRandom(seed: "e"))
        #expect(first == second)
        let expectedEphemeral = X25519KeyPair.generate(random: SeededRandom(seed: "e"))
        #expect(first.ephemeralPublic == expectedEphemeral.publicKey)
    }

    @Test func changingAnyByteFailsAuthentication() throws {
        let sealed = try PublicKeyBox.seal(plaintext, to: recipient.publicKey, authenticating: aad, random: SystemRandom())
        for index in sealed.box.indices {
            var tampered = sealed
            tampered.box[index] ^= 0x01
            let error = #expect(throws: CryptoError.self) { try PublicKeyBox.open(tampered, with: recipient, authenticating: aad) }
            #expect(error?.code == .authenticationFailed, "box byte \(index)")
        }
        for index in sealed.ephemeralPublic.indices {
            var tampered = sealed
            tampered.ephemeralPublic[index] ^= 0x01
            let error = #expect(throws: CryptoError.self) { try PublicKeyBox.open(tampered, with: recipient, authenticating: aad) }
            #expect(error?.code == .authenticationFailed, "ephemeral byte \(index)")
        }
    }

    @Test func wrongRecipientContextOrEphemeralFailsAuthentication() throws {
        let sealed = try PublicKeyBox.seal(plaintext, to: recipient.publicKey, authenticating: aad, random: SystemRandom())
        let stranger = X25519KeyPair.generate(random: SystemRandom())
        let wrongRecipient = #expect(throws: CryptoError.self) { try PublicKeyBox.open(sealed, with: stranger, authenticating: aad) }
        #expect(wrongRecipient?.code == .authenticationFailed)
        let wrongContext = #expect(throws: CryptoError.self) { try PublicKeyBox.open(sealed, with: recipient, authenticating: []) }
        #expect(wrongContext?.code == .authenticationFailed)
        for ephemeral in [[UInt8](repeating: 0, count: 32), [], [UInt8](repeating: 9, count: 31)] {
            let bad = SealedBox(ephemeralPublic: ephemeral, box: sealed.box)
            let error = #expect(throws: CryptoError.self) { try PublicKeyBox.open(bad, with: recipient, authenticating: aad) }
            #expect(error?.code == .authenticationFailed)
        }
    }

    @Test func unusableRecipientIsInvalidKey() {
        for recipientPublic in [[UInt8](repeating: 0, count: 32), [UInt8](repeating: 1, count: 31)] {
            let error = #expect(throws: CryptoError.self) {
                try PublicKeyBox.seal(plaintext, to: recipientPublic, authenticating: aad, random: SystemRandom())
            }
            #expect(error?.code == .invalidKey)
        }
    }
}
