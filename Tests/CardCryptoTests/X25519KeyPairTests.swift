import CardCrypto
import PivlinkTesting
import Testing

@Suite struct X25519KeyPairTests {
    /// RFC 7748 section 6.1 (Bob's key pair).
    @Test func publicKeyMatchesRFC7748() throws {
        let pair = try X25519KeyPair(privateKey: hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        #expect(pair.publicKey == hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
    }

    @Test func generateTakesThePrivateKeyFromTheRandomSource() throws {
        let pair = X25519KeyPair.generate(random: SeededRandom(seed: "pair"))
        #expect(pair.privateKey == SeededRandom(seed: "pair").bytes(32))
        // The same key computed by OpenSSL through PrivateKey.
        let viaOpenSSL = try PrivateKey.import25519(.x25519, rawPrivate: pair.privateKey)
        #expect(viaOpenSSL.publicKey == .x25519(pair.publicKey))
    }

    @Test func privateKeyOfWrongLengthIsInvalidKey() {
        for length in [0, 31, 33] {
            let error = #expect(throws: CryptoError.self) { try X25519KeyPair(privateKey: [UInt8](repeating: 1, count: length)) }
            #expect(error?.code == .invalidKey)
        }
    }
}
