import APDU
import CardCrypto
import PIVCard
import Testing

/// YubiKey IMPORT ASYMMETRIC KEY (FE): P1 algorithm, P2 slot, the private key as TLVs 01…08.
@Suite("IMPORT ASYMMETRIC KEY")
struct KeyImportTests {
    private func importCommand(_ algorithm: AsymmetricAlgorithm, slot: UInt8, items: [TLV]) -> CommandAPDU {
        CommandAPDU(ins: 0xFE, p1: algorithm.rawValue, p2: slot, data: items.flatMap(\.encoded))
    }

    @Test("YubiKey FE: each algorithm imports from its components and the card then uses that very key",
          arguments: [AsymmetricAlgorithm.rsa2048, .eccP256, .eccP384, .ed25519, .x25519])
    func importKey(algorithm: AsymmetricAlgorithm) throws {
        let harness = try CardHarness(seed: "import \(algorithm)")
        try harness.authenticate()
        let key = try PrivateKey.generate(algorithm)
        let answer = harness.exchange(importCommand(algorithm, slot: 0x9D, items: try ImportComponents.items(for: key)))
        #expect(answer == ResponseAPDU(.success))
        let stored = try #require(harness.state.keys[.keyManagement])
        #expect(stored.publicKey == key.publicKey)
        #expect(stored.origin == .imported && stored.algorithm == algorithm && stored.pinPolicy == .once)
        #expect(harness.verifyPIN() == .success)
        try KeyUse.check(harness, slot: 0x9D, publicKey: key.publicKey)
    }

    @Test("YubiKey FE: AA sets the PIN policy of an imported key")
    func importWithPolicy() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let key = try PrivateKey.generate(.eccP256)
        let items = try ImportComponents.items(for: key) + [TLV(0xAA, [0x01]), TLV(0xAB, [0x01])]
        #expect(harness.exchange(importCommand(.eccP256, slot: 0x9C, items: items)).status == .success)
        harness.card.endSession()
        try KeyUse.check(harness, slot: 0x9C, publicKey: key.publicKey)
    }

    @Test("YubiKey FE: IMPORT needs the management key (6982)")
    func needsAdministrator() throws {
        let harness = try CardHarness()
        let key = try PrivateKey.generate(.eccP256)
        let answer = harness.exchange(importCommand(.eccP256, slot: 0x9A, items: try ImportComponents.items(for: key)))
        #expect(answer.status == StatusWord(0x6982))
        #expect(harness.state.keys[.authentication] == nil)
    }

    @Test("YubiKey FE: components that are missing, inconsistent or of another algorithm answer 6A80")
    func badComponents() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let rsa = try ImportComponents.items(for: try PrivateKey.generate(.rsa2048))
        let p384 = try ImportComponents.items(for: try PrivateKey.generate(.eccP384))
        let ed25519 = try ImportComponents.items(for: try PrivateKey.generate(.ed25519))
        var swapped = rsa
        swapped[2].value = rsa[3].value  // dp := dq
        let cases: [(AsymmetricAlgorithm, [TLV], String)] = [
            (.rsa2048, Array(rsa.prefix(4)), "no qinv"),
            (.rsa2048, swapped, "dp does not belong to p"),
            (.rsa3072, rsa, "a 2048-bit key named RSA 3072"),
            (.eccP256, p384, "a P-384 scalar named P-256"),
            (.eccP256, [TLV(0x06, [UInt8](repeating: 0, count: 32))], "zero scalar"),
            (.eccP256, [TLV(0x06, [UInt8](repeating: 0xFF, count: 32))], "scalar above the order"),
            (.x25519, ed25519, "an Ed25519 key (07) named X25519"),
            (.ed25519, [TLV(0x07, [0x01, 0x02])], "short Ed25519 key"),
            (.eccP256, [], "nothing"),
        ]
        for (algorithm, items, reason) in cases {
            let before = harness.state
            let answer = harness.exchange(importCommand(algorithm, slot: 0x9A, items: items))
            #expect(answer.status == StatusWord(0x6A80), "\(reason)")
            #expect(harness.state == before, "\(reason)")
        }
        #expect(harness.send("00 FE 11 9A 05 06 20 01 02 03").status == StatusWord(0x6A80), "06 runs past the end")
    }

    @Test("YubiKey FE: an unknown algorithm or slot answers 6A86", arguments: ["00 FE 06 9A", "00 FE 03 9A",
                                                                            "00 FE 11 9B", "00 FE 11 80"])
    func wrongReferences(header: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([.inject(header + " 03 06 01 01"), .expect("6A 86")])
    }

    @Test("YubiKey FE: the attestation slot F9 takes a key that can sign certificates, never one that cannot")
    func attestationSlot() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let ed25519 = try PrivateKey.generate(.ed25519)
        let refused = harness.exchange(importCommand(.ed25519, slot: 0xF9, items: try ImportComponents.items(for: ed25519)))
        #expect(refused.status == StatusWord(0x6A80))
        let p384 = try PrivateKey.generate(.eccP384)
        let accepted = harness.exchange(importCommand(.eccP384, slot: 0xF9,
                                                      items: try ImportComponents.items(for: p384) + [TLV(0xAA, [0x03])]))
        #expect(accepted.status == StatusWord(0x6A80), "the attestation key never asks for the PIN")
        let plain = harness.exchange(importCommand(.eccP384, slot: 0xF9, items: try ImportComponents.items(for: p384)))
        #expect(plain.status == .success)
        #expect(harness.state.keys[.attestation]?.publicKey == p384.publicKey)
        #expect(harness.state.keys[.attestation]?.pinPolicy == .never)
    }
}
