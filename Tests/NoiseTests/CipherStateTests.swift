import Crypto
import Noise
import PivlinkTesting
import Testing

@Suite("CipherState: rev 34 §5.1 with ChaChaPoly (§12.4)")
struct CipherStateTests {
    private static let key = SymmetricKey(data: SeededRandom(seed: "cipher key").bytes(32))
    private static let ad = Array("associated".utf8)
    private static let plaintext = Array("a short plaintext".utf8)

    @Test("§12.4: the nonce is 4 zero bytes then n as 64-bit little-endian")
    func nonceLayout() throws {
        var cipher = CipherState(key: Self.key)
        cipher.setNonce(0x0102_0304_0506_0708)
        let sealed = try cipher.encryptWithAd(Self.ad, Self.plaintext)
        let reference = try ChaChaPoly.seal(
            Self.plaintext, using: Self.key, nonce: ChaChaPoly.Nonce(data: hex("00000000 0807060504030201")),
            authenticating: Self.ad
        )
        #expect(sealed == Array(reference.ciphertext) + Array(reference.tag))
        #expect(sealed.count == Self.plaintext.count + CipherState.tagLength)
        #expect(cipher.n == 0x0102_0304_0506_0709)
    }

    @Test("§5.1: without a key, EncryptWithAd and DecryptWithAd return their input and n stays")
    func emptyKeyPassesThrough() throws {
        var cipher = CipherState()
        #expect(!cipher.hasKey)
        #expect(try cipher.encryptWithAd(Self.ad, Self.plaintext) == Self.plaintext)
        #expect(try cipher.decryptWithAd(Self.ad, Self.plaintext) == Self.plaintext)
        #expect(cipher.n == 0)
    }

    @Test("a sealed message opens once, in step, and each nonce gives a different ciphertext")
    func roundTripInStep() throws {
        var sender = CipherState(key: Self.key)
        var receiver = CipherState(key: Self.key)
        var seen: Set<[UInt8]> = []
        for _ in 0..<5 {
            let sealed = try sender.encryptWithAd(Self.ad, Self.plaintext)
            #expect(seen.insert(sealed).inserted, "the same plaintext sealed twice gave the same bytes")
            #expect(try receiver.decryptWithAd(Self.ad, sealed) == Self.plaintext)
        }
        #expect(sender.n == 5 && receiver.n == 5)
    }

    @Test("§5.1: a failed DecryptWithAd does not increment n")
    func failedDecryptionKeepsNonce() throws {
        var sender = CipherState(key: Self.key)
        var receiver = CipherState(key: Self.key)
        var sealed = try sender.encryptWithAd(Self.ad, Self.plaintext)
        let genuine = sealed
        sealed[0] ^= 0x01
        #expect(throws: NoiseError.self) { try receiver.decryptWithAd(Self.ad, sealed) }
        let wrongAd: [UInt8] = Self.ad + [0]
        let failure = try #require(throws: NoiseError.self) { try receiver.decryptWithAd(wrongAd, genuine) }
        #expect(failure.code == .decryptionFailed)
        #expect(receiver.n == 0)
        #expect(try receiver.decryptWithAd(Self.ad, genuine) == Self.plaintext)
    }

    @Test("a ciphertext shorter than its tag is truncated")
    func shorterThanTag() {
        var receiver = CipherState(key: Self.key)
        for length in 0..<CipherState.tagLength {
            let failure = #expect(throws: NoiseError.self) {
                try receiver.decryptWithAd([], [UInt8](repeating: 0, count: length))
            }
            #expect(failure?.code == .truncated)
        }
        #expect(receiver.n == 0)
    }

    @Test("§5.1: nonce 2^64−1 is reserved: at it, nothing is encrypted or decrypted")
    func nonceExhaustion() throws {
        var sender = CipherState(key: Self.key)
        var receiver = CipherState(key: Self.key)
        sender.setNonce(CipherState.reservedNonce - 1)
        receiver.setNonce(CipherState.reservedNonce - 1)
        let last = try sender.encryptWithAd(Self.ad, Self.plaintext)
        #expect(try receiver.decryptWithAd(Self.ad, last) == Self.plaintext)
        #expect(sender.n == CipherState.reservedNonce)

        let sealing = #expect(throws: NoiseError.self) { try sender.encryptWithAd(Self.ad, Self.plaintext) }
        #expect(sealing?.code == .nonceExhausted)
        let opening = #expect(throws: NoiseError.self) { try receiver.decryptWithAd(Self.ad, last) }
        #expect(opening?.code == .nonceExhausted)
        #expect(sender.n == CipherState.reservedNonce && receiver.n == CipherState.reservedNonce)
    }

    @Test("§4.2/§11.3: Rekey sets k to the first 32 bytes of ENCRYPT(k, 2^64−1, empty, 32 zeros) and keeps n")
    func rekeyMatchesTheSpec() throws {
        let reference = try ChaChaPoly.seal(
            [UInt8](repeating: 0, count: 32), using: Self.key,
            nonce: ChaChaPoly.Nonce(data: hex("00000000 FFFFFFFFFFFFFFFF")), authenticating: [UInt8]()
        )
        var expected = CipherState(key: SymmetricKey(data: Array(reference.ciphertext)))
        var cipher = CipherState(key: Self.key)
        cipher.setNonce(7)
        cipher.rekey()
        #expect(cipher.n == 7)
        expected.setNonce(7)
        #expect(try cipher.encryptWithAd(Self.ad, Self.plaintext) == expected.encryptWithAd(Self.ad, Self.plaintext))
    }

    @Test("rekeyed in step the two sides agree; one side rekeyed alone cannot open")
    func rekeyInStep() throws {
        var sender = CipherState(key: Self.key)
        var receiver = CipherState(key: Self.key)
        var stale = CipherState(key: Self.key)
        let first = try sender.encryptWithAd(Self.ad, Self.plaintext)
        #expect(try receiver.decryptWithAd(Self.ad, first) == Self.plaintext)
        #expect(try stale.decryptWithAd(Self.ad, first) == Self.plaintext)
        sender.rekey()
        receiver.rekey()
        let sealed = try sender.encryptWithAd(Self.ad, Self.plaintext)
        #expect(try receiver.decryptWithAd(Self.ad, sealed) == Self.plaintext)
        #expect(throws: NoiseError.self) { try stale.decryptWithAd(Self.ad, sealed) }
    }

    @Test("Rekey without a key does nothing")
    func rekeyWithoutKey() throws {
        var cipher = CipherState()
        cipher.rekey()
        #expect(!cipher.hasKey)
        #expect(try cipher.encryptWithAd([], Self.plaintext) == Self.plaintext)
    }
}
