import APDU
import CardCrypto
import PIVCard
import Testing

/// GENERATE ASYMMETRIC KEY PAIR (SP 800-73-5 pt2 §3.3.2, YubiKey 5.7 algorithms and PIN policies).
@Suite("GENERATE ASYMMETRIC KEY PAIR")
struct KeyGenerationTests {
    @Test("pt2 §3.3.2: each algorithm answers its public key in 7F49, and the new key works",
          arguments: [AsymmetricAlgorithm.rsa2048, .rsa3072, .eccP256, .eccP384, .ed25519, .x25519])
    func generate(algorithm: AsymmetricAlgorithm) throws {
        let harness = try CardHarness(seed: "generate \(algorithm)")
        try harness.authenticate()
        let answer = harness.exchange(CommandAPDU(ins: 0x47, p1: 0x00, p2: 0x9A,
                                                  data: [0xAC, 0x03, 0x80, 0x01, algorithm.rawValue], le: 256))
        #expect(answer.status == .success)
        let items = try TLV.parseSequence(answer.data)
        #expect(items.count == 1 && items[0].tag == 0x7F49)
        let publicKey = try #require(CardHarness.publicKey(fromTemplate: answer.data, algorithm: algorithm))
        switch publicKey {
        case .rsa(let modulus, let exponent):
            #expect(modulus.count == algorithm.rsaModulusByteCount)
            #expect(exponent == [0x01, 0x00, 0x01])
        case .ecP256(let point), .ecP384(let point):
            #expect(point.count == 1 + 2 * (algorithm.ecFieldByteCount ?? 0) && point.first == 0x04)
        case .ed25519(let raw), .x25519(let raw):
            #expect(raw.count == 32)
        }
        let stored = try #require(harness.state.keys[.authentication])
        #expect(stored.publicKey == publicKey)
        #expect(stored.origin == .generated && stored.algorithm == algorithm && stored.pinPolicy == .once)
        #expect(harness.verifyPIN() == .success)
        try KeyUse.check(harness, slot: 0x9A, publicKey: publicKey)
    }

    @Test("pt2 §3.3.2 + ISO 7816-4: an RSA 4096 public key is read with 61xx/GET RESPONSE, and signs in three links")
    func rsa4096() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        // 7F49 82 02 09 { 81 82 02 00 <512>, 82 03 01 00 01 }: 526 bytes, so 256 + 256 + 14.
        let first = harness.send("00 47 00 9A 05 AC 03 80 01 16 00")
        #expect(first.status == StatusWord(0x6100) && first.data.count == 256)
        let second = harness.send("00 C0 00 00 00")
        #expect(second.status == StatusWord(0x610E) && second.data.count == 256)
        let last = harness.send("00 C0 00 00 0E")
        #expect(last.status == .success && last.data.count == 14)
        let template = first.data + second.data + last.data
        let publicKey = try #require(CardHarness.publicKey(fromTemplate: template, algorithm: .rsa4096))
        #expect(harness.verifyPIN() == .success)
        try KeyUse.check(harness, slot: 0x9A, publicKey: publicKey)
    }

    @Test("pt2 §3.3.2: GENERATE needs the management key (6982)")
    func needsAdministrator() throws {
        let harness = try CardHarness()
        #expect(harness.verifyPIN() == .success)
        try harness.run([.inject("00 47 00 9A 05 AC 03 80 01 11 00"), .expect("69 82")])
        #expect(harness.state.keys[.authentication] == nil)
    }

    @Test("YubiKey AA: PIN policy 01 never, 02 once, 03 always; 00 the slot's default",
          arguments: [(UInt8(0x9A), UInt8(0x01), PINPolicy.never), (0x9A, 0x02, .once), (0x9A, 0x03, .always),
                      (0x9C, 0x00, .always), (0x9C, 0x02, .once), (0x9E, 0x00, .never), (0x9D, 0x00, .once)])
    func pinPolicies(slot: UInt8, requested: UInt8, policy: PINPolicy) throws {
        let harness = try CardHarness(seed: "policy \(slot) \(requested)")
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: slot, extraItems: [TLV(0xAA, [requested])])
        let keySlot = try #require(KeySlot(slot))
        #expect(harness.state.keys[keySlot]?.pinPolicy == policy)
        let digest = [UInt8](repeating: 0x44, count: 32)
        let withoutPIN = harness.generalAuthenticate(.eccP256, slot: slot, input: digest).status
        #expect(withoutPIN == (policy == .never ? .success : StatusWord(0x6982)))
        #expect(harness.verifyPIN() == .success)
        #expect(harness.generalAuthenticate(.eccP256, slot: slot, input: digest).status == .success)
        let again = harness.generalAuthenticate(.eccP256, slot: slot, input: digest)
        #expect(again.status == (policy == .always ? StatusWord(0x6982) : .success))
        if let signature = again.result {
            #expect(publicKey.verifyECDSA(digest: digest, derSignature: signature))
        }
    }

    @Test("YubiKey AB: touch policy default or never is accepted; the card has no button for anything else")
    func touchPolicies() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([
            .inject("00 47 00 9A 08 AC 06 80 01 11 AB 01 00 00"), .expectStatus(0x9000),
            .inject("00 47 00 9A 08 AC 06 80 01 11 AB 01 01 00"), .expectStatus(0x9000),
            .inject("00 47 00 9A 08 AC 06 80 01 11 AB 01 02 00"), .expect("6A 80"),
            .inject("00 47 00 9A 08 AC 06 80 01 11 AB 01 03 00"), .expect("6A 80"),
        ])
    }

    @Test("pt2 §3.3.2: a malformed control reference template answers 6A80 and changes nothing",
          arguments: [
              "00 47 00 9A 05 AD 03 80 01 11 00",  // not AC
              "00 47 00 9A 05 AC 03 81 01 11 00",  // no 80
              "00 47 00 9A 05 AC 03 80 01 06 00",  // RSA 1024 (gone from SP 800-78-5)
              "00 47 00 9A 05 AC 03 80 01 03 00",  // a symmetric algorithm
              "00 47 00 9A 06 AC 04 80 02 11 11 00",  // two algorithm bytes
              "00 47 00 9A 08 AC 06 80 01 11 AA 01 04 00",  // PIN policy 04
              "00 47 00 9A 09 AC 07 80 01 11 AA 02 01 01 00",  // two policy bytes
              "00 47 00 9A 05 AC 04 80 01 11 00",  // AC runs past the end
              "00 47 00 9A 02 AC 00 00",  // empty template
          ])
    func malformedTemplate(command: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let before = harness.state
        try harness.run([.inject(command), .expect("6A 80")])
        #expect(harness.state == before)
    }

    @Test("pt2 §3.3.2: P1 must be 00 and P2 an asymmetric slot other than F9 (6A86)",
          arguments: ["00 47 01 9A", "00 47 00 9B", "00 47 00 F9", "00 47 00 80", "00 47 00 96", "00 47 00 04"])
    func wrongReferences(header: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([.inject(header + " 05 AC 03 80 01 11 00"), .expect("6A 86")])
    }

    @Test("pt2 §3.3.2: generating again replaces the key, also for a session that already used the old one")
    func regenerate() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let old = try harness.generate(.eccP256, in: 0x9A)
        #expect(harness.verifyPIN() == .success)
        let digest = [UInt8](repeating: 0x55, count: 32)
        let oldSignature = try #require(harness.generalAuthenticate(.eccP256, slot: 0x9A, input: digest).result)
        #expect(old.verifyECDSA(digest: digest, derSignature: oldSignature))
        let version = harness.state.version
        let new = try harness.generate(.eccP384, in: 0x9A)
        #expect(harness.state.version > version)
        let newSignature = try #require(harness.generalAuthenticate(.eccP384, slot: 0x9A, input: digest).result)
        #expect(new.verifyECDSA(digest: digest, derSignature: newSignature))
        #expect(harness.generalAuthenticate(.eccP256, slot: 0x9A, input: digest).status == StatusWord(0x6A86))
    }
}
