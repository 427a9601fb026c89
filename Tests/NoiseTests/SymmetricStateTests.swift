import Crypto
import Noise
import PivlinkTesting
import Testing

/// SymmetricState against independent computations: SHA-256 for MixHash and the protocol name, and RFC 5869
/// HKDF (swift-crypto's), whose output with salt ck and no info is Noise's HKDF outputs concatenated (§4.3).
@Suite("SymmetricState: rev 34 §5.2 with SHA-256 and HKDF")
struct SymmetricStateTests {
    private static let ad = Array("ad".utf8)
    private static let plaintext = Array("plaintext".utf8)

    @Test("§5.2: a protocol name of at most 32 bytes is h, zero-padded; a longer one is hashed")
    func initializeSymmetric() {
        let ik = "Noise_IK_25519_ChaChaPoly_SHA256"
        #expect(ik.utf8.count == 32)
        #expect(SymmetricState(protocolName: ik).h == Array(ik.utf8))
        #expect(SymmetricState(protocolName: "Noise_NN").h == Array("Noise_NN".utf8) + [UInt8](repeating: 0, count: 24))
        let long = "Noise_XXpsk3_25519_ChaChaPoly_SHA256"
        #expect(SymmetricState(protocolName: long).h == Array(SHA256.hash(data: Array(long.utf8))))
    }

    @Test("§5.2: MixHash sets h to HASH(h ‖ data); without a key EncryptAndHash hashes the plaintext as is")
    func mixHashAndEncryptWithoutKey() throws {
        var state = SymmetricState(protocolName: "Noise_NN")
        let start = state.h
        state.mixHash([1, 2, 3])
        #expect(state.h == Array(SHA256.hash(data: start + [1, 2, 3])))
        let before = state.h
        #expect(try state.encryptAndHash(Self.plaintext) == Self.plaintext)
        #expect(state.getHandshakeHash() == Array(SHA256.hash(data: before + Self.plaintext)))
    }

    @Test("§5.2: Split() with no key mixed in gives HKDF(ck, empty, 2), ck being the initial h")
    func splitIsHKDF() throws {
        let state = SymmetricState(protocolName: "Noise_IK_25519_ChaChaPoly_SHA256")
        let derived = Self.rfc5869(salt: state.h, inputKeyMaterial: [], count: 64)
        let (initiatorToResponder, responderToInitiator) = state.split()
        try Self.expect(initiatorToResponder, usesKey: Array(derived[0..<32]))
        try Self.expect(responderToInitiator, usesKey: Array(derived[32..<64]))
    }

    @Test("§5.2: MixKey sets the cipher key to HKDF's second output; EncryptAndHash then seals under h")
    func mixKey() throws {
        var state = SymmetricState(protocolName: "Noise_KK")
        let ikm = SeededRandom(seed: "ikm").bytes(32)
        let derived = Self.rfc5869(salt: state.h, inputKeyMaterial: ikm, count: 64)
        state.mixKey(SymmetricKey(data: ikm))
        #expect(state.hasKey)
        let h = state.h
        let ciphertext = try state.encryptAndHash(Self.plaintext)
        var expected = CipherState(key: SymmetricKey(data: Array(derived[32..<64])))
        #expect(ciphertext == (try expected.encryptWithAd(h, Self.plaintext)))
        #expect(state.h == Array(SHA256.hash(data: h + ciphertext)))
    }

    @Test("§5.2: MixKeyAndHash mixes HKDF's second output into h and keys with the third")
    func mixKeyAndHash() throws {
        var state = SymmetricState(protocolName: "Noise_NNpsk0")
        let start = state.h
        let psk = SeededRandom(seed: "psk").bytes(32)
        let derived = Self.rfc5869(salt: start, inputKeyMaterial: psk, count: 96)
        state.mixKeyAndHash(SymmetricKey(data: psk))
        #expect(state.h == Array(SHA256.hash(data: start + Array(derived[32..<64]))))
        let h = state.h
        var expected = CipherState(key: SymmetricKey(data: Array(derived[64..<96])))
        #expect(try state.encryptAndHash(Self.plaintext) == expected.encryptWithAd(h, Self.plaintext))
    }

    @Test("DecryptAndHash inverts EncryptAndHash; a failure leaves h and the nonce as they were")
    func decryptAndHash() throws {
        var sender = SymmetricState(protocolName: "Noise_KK")
        sender.mixKey(SymmetricKey(data: SeededRandom(seed: "ikm").bytes(32)))
        var receiver = sender
        let ciphertext = try sender.encryptAndHash(Self.plaintext)
        var forged = ciphertext
        forged[forged.count - 1] ^= 0x80
        let before = receiver.h
        let failure = #expect(throws: NoiseError.self) { try receiver.decryptAndHash(forged) }
        #expect(failure?.code == .decryptionFailed)
        #expect(receiver.h == before)
        #expect(try receiver.decryptAndHash(ciphertext) == Self.plaintext)
        #expect(receiver.h == sender.h)
    }

    /// RFC 5869 HKDF-SHA256 with no info: Noise's HKDF outputs, concatenated.
    private static func rfc5869(salt: [UInt8], inputKeyMaterial: [UInt8], count: Int) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), salt: salt, info: [UInt8](), outputByteCount: count
        )
        return key.withUnsafeBytes { Array($0) }
    }

    private static func expect(_ cipher: CipherState, usesKey key: [UInt8]) throws {
        var actual = cipher
        var expected = CipherState(key: SymmetricKey(data: key))
        #expect(try actual.encryptWithAd(ad, plaintext) == expected.encryptWithAd(ad, plaintext))
    }
}
