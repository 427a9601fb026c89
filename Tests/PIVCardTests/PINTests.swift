import APDU
import CardCrypto
import PIVCard
import Testing

/// VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (SP 800-73-5 pt2 §3.2.1–3.2.3) and the retry counters.
@Suite("VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER")
struct PINTests {
    static let rightPIN = "00 20 00 80 08 31 32 33 34 35 36 FF FF"
    static let wrongPIN = "00 20 00 80 08 31 31 31 31 31 31 FF FF"

    @Test("pt2 §3.2.1: without data VERIFY reports 63Cx, then 9000 once the PIN is verified")
    func statusQuery() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 20 00 80"), .expect("63 C5"),
            .inject("00 20 00 80 00"), .expect("63 C5"),  // libykpiv sends Le 00
            .inject(Self.rightPIN), .expect("90 00"),
            .inject("00 20 00 80"), .expect("90 00"),
        ])
    }

    @Test("pt2 §3.2.1: the counter is decremented and saved before the PIN is checked, and reset after")
    func counterSavedBeforeCheck() throws {
        let harness = try CardHarness()
        let saves = harness.store.saves.count
        try harness.run([.inject(Self.rightPIN), .expect("90 00")])
        let written = harness.store.saves.dropFirst(saves).map(\.pin.triesLeft)
        #expect(written == [4, 5], "first the decremented counter, then the reset one")
        #expect(harness.state.pin.triesLeft == 5)

        try harness.run([.inject(Self.wrongPIN), .expect("63 C4")])
        #expect(harness.store.saves.last?.pin.triesLeft == 4)
        #expect(harness.state.pin.triesLeft == 4)
    }

    @Test("pt2 §3.2.1: five wrong PINs block it: 63C4…63C0, then 6983 even for the right PIN")
    func blocking() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject(Self.wrongPIN), .expect("63 C4"),
            .inject(Self.wrongPIN), .expect("63 C3"),
            .inject(Self.wrongPIN), .expect("63 C2"),
            .inject(Self.wrongPIN), .expect("63 C1"),
            .inject(Self.wrongPIN), .expect("63 C0"),
        ])
        let saves = harness.store.saves.count
        try harness.run([
            .inject(Self.rightPIN), .expect("69 83"),
            .inject("00 20 00 80"), .expect("69 83"),
            .inject("00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 FF FF"), .expect("69 83"),
        ])
        #expect(harness.store.saves.count == saves, "a blocked PIN is not even counted")
        #expect(harness.state.pin.triesLeft == 0)
    }

    @Test("pt2 §3.2.1: a badly formatted PIN answers 6A80 and leaves the counter alone",
          arguments: [
              "00 20 00 80 08 31 32 33 34 35 FF FF FF",  // five digits
              "00 20 00 80 08 31 32 33 34 35 41 FF FF",  // a letter
              "00 20 00 80 08 31 32 33 FF 34 35 36 FF",  // padding inside
              "00 20 00 80 08 FF FF FF FF FF FF FF FF",  // empty
              "00 20 00 80 07 31 32 33 34 35 36 FF",  // short block
              "00 20 00 80 09 31 32 33 34 35 36 FF FF FF",  // long block
              "00 20 00 80 06 31 32 33 34 35 36",  // unpadded
          ])
    func formatErrors(command: String) throws {
        let harness = try CardHarness()
        let saves = harness.store.saves.count
        try harness.run([.inject(command), .expect("6A 80"), .inject("00 20 00 80"), .expect("63 C5")])
        #expect(harness.store.saves.count == saves)
    }

    @Test("pt2 §3.2.1: P1 FF without data ends the PIN's verified state")
    func logout() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject(Self.rightPIN), .expect("90 00"),
            .inject("00 20 FF 80"), .expect("90 00"),
            .inject("00 20 00 80"), .expect("63 C5"),
            .inject("00 20 FF 80 08 31 32 33 34 35 36 FF FF"), .expect("6A 86"),
            .inject("00 20 01 80"), .expect("6A 86"),
        ])
    }

    @Test("pt2 §3.2.1: a failed VERIFY ends an earlier verification")
    func failureDropsVerification() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject(Self.rightPIN), .expect("90 00"),
            .inject(Self.wrongPIN), .expect("63 C4"),
            .inject("00 20 00 80"), .expect("63 C4"),
        ])
    }

    @Test("pt1 key references: VERIFY of the global PIN, the PUK or an OCC reference answers 6A88",
          arguments: ["00", "81", "96", "98"])
    func unverifiableReferences(p2: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 20 00 \(p2) 08 31 32 33 34 35 36 FF FF"), .expect("6A 88")])
    }

    @Test("pt2 §3.2.2: CHANGE REFERENCE DATA replaces the PIN, and the keys still open with the new one")
    func changePIN() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9A)
        try harness.run([
            .inject("00 24 00 80 10 31 32 33 34 35 36 FF FF 38 37 36 35 34 33 32 31"), .expect("90 00"),
            .inject("00 20 00 80"), .expect("90 00"),
        ])
        #expect(!harness.state.pin.isDefault)
        harness.card.endSession()
        #expect(harness.verifyPIN() == StatusWord(0x63C4))
        #expect(harness.verifyPIN("87654321") == .success)
        let digest = [UInt8](repeating: 0x5A, count: 32)
        let signature = try #require(harness.generalAuthenticate(.eccP256, slot: 0x9A, input: digest).result)
        #expect(publicKey.verifyECDSA(digest: digest, derSignature: signature))
    }

    @Test("pt2 §3.2.2: a wrong old PIN counts as a failed VERIFY and changes nothing else")
    func changeWithWrongPIN() throws {
        let harness = try CardHarness()
        let vault = harness.state.vault
        try harness.run([
            .inject("00 24 00 80 10 31 31 31 31 31 31 FF FF 38 37 36 35 34 33 32 31"), .expect("63 C4"),
        ])
        #expect(harness.state.vault == vault)
        #expect(harness.verifyPIN() == .success)
    }

    @Test("pt2 §3.2.2: a malformed CHANGE REFERENCE DATA answers 6A80 without counting a try",
          arguments: [
              "00 24 00 80 10 31 32 33 34 35 36 FF FF 31 32 33 34 35 FF FF FF",  // new PIN too short
              "00 24 00 80 10 31 32 33 34 35 36 FF FF 61 62 63 64 65 66 FF FF",  // new PIN not digits
              "00 24 00 80 0F 31 32 33 34 35 36 FF FF 38 37 36 35 34 33 32",  // 15 bytes
              "00 24 00 80 08 31 32 33 34 35 36 FF FF",  // old PIN only
              "00 24 00 81 10 31 32 33 34 35 36 37 38 31 32 33 FF FF FF FF FF",  // new PUK too short
          ])
    func changeFormatErrors(command: String) throws {
        let harness = try CardHarness()
        let saves = harness.store.saves.count
        try harness.run([.inject(command), .expect("6A 80")])
        #expect(harness.store.saves.count == saves)
    }

    @Test("pt2 §3.2.2: CHANGE REFERENCE DATA of another reference answers 6A88, other P1 6A86")
    func changeOtherReferences() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 24 00 9B 10 31 32 33 34 35 36 FF FF 38 37 36 35 34 33 32 31"), .expect("6A 88"),
            .inject("00 24 01 80 10 31 32 33 34 35 36 FF FF 38 37 36 35 34 33 32 31"), .expect("6A 86"),
        ])
    }

    @Test("pt2 §3.2.2: the PUK is changed with reference 81 and then unblocks the PIN")
    func changePUK() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 24 00 81 10 31 32 33 34 35 36 37 38 41 42 43 44 45 46 47 48"), .expect("90 00"),
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("63 C4"),
            .inject("00 2C 00 80 10 41 42 43 44 45 46 47 48 31 32 33 34 35 36 FF FF"), .expect("90 00"),
        ])
        #expect(!harness.state.puk.isDefault)
        #expect(harness.state.puk.triesLeft == 5)
    }

    @Test("pt2 §3.2.3: RESET RETRY COUNTER unblocks the PIN with the PUK and sets a new PIN the keys open with")
    func unblock() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9D)
        for _ in 0..<5 { harness.send(Self.wrongPIN) }
        #expect(harness.state.pin.isBlocked)
        let saves = harness.store.saves.count
        try harness.run([
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 39 39 39 39 39 39 39 FF"), .expect("90 00"),
        ])
        #expect(harness.store.saves.dropFirst(saves).first?.puk.triesLeft == 4, "PUK counter saved before the check")
        #expect(harness.state.pin.triesLeft == 5)
        #expect(harness.state.puk.triesLeft == 5)
        #expect(harness.verifyPIN("9999999") == .success)
        let peer = try PrivateKey.generate(.eccP256)
        let shared = harness.generalAuthenticate(.eccP256, slot: 0x9D, tag: 0x85, input: peer.publicKey.ecPoint)
        #expect(shared.result == (try peer.ecdh(peerPoint: publicKey.ecPoint)))
    }

    @Test("pt2 §3.2.3: RESET RETRY COUNTER leaves the PIN's security status as it was")
    func unblockKeepsSecurityStatus() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject(Self.rightPIN), .expect("90 00"),
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("90 00"),
            .inject("00 20 00 80"), .expect("90 00"),
            .inject("00 20 FF 80"), .expect("90 00"),
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("90 00"),
            .inject("00 20 00 80"), .expect("63 C5"),
        ])
    }

    @Test("pt2 §3.2.3: wrong PUKs count down and block the PUK; a blocked PUK answers 6983")
    func pukBlocking() throws {
        let harness = try CardHarness()
        let wrong = "00 2C 00 80 10 38 37 36 35 34 33 32 31 31 32 33 34 35 36 FF FF"
        try harness.run([
            .inject(wrong), .expect("63 C4"), .inject(wrong), .expect("63 C3"), .inject(wrong), .expect("63 C2"),
            .inject(wrong), .expect("63 C1"), .inject(wrong), .expect("63 C0"),
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("69 83"),
            .inject("00 24 00 81 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 37 38"), .expect("69 83"),
        ])
        #expect(harness.state.puk.isBlocked)
        #expect(harness.state.pin.triesLeft == 5, "the PIN is untouched")
    }

    @Test("pt2 §3.2.3: RESET RETRY COUNTER only for the PIN (6A88), P1 00 (6A86), 16 bytes (6A80)")
    func unblockFormat() throws {
        let harness = try CardHarness()
        let saves = harness.store.saves.count
        try harness.run([
            .inject("00 2C 00 81 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("6A 88"),
            .inject("00 2C 01 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("6A 86"),
            .inject("00 2C 00 80 08 31 32 33 34 35 36 37 38"), .expect("6A 80"),
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 FF FF FF"), .expect("6A 80"),
        ])
        #expect(harness.store.saves.count == saves)
    }
}
