import APDU
import CardCrypto
import PIVCard
import Testing

/// When the state store cannot save, the card answers 6581 (memory failure) and nothing changes: not the state it
/// holds, not what is stored, not the counters.
@Suite("Store failures")
struct StoreFailureTests {
    /// A card with the administrator authenticated, the PIN verified and a key in 9A, whose store then fails.
    private func failingCard(seed: String = #function) throws -> CardHarness {
        let harness = try CardHarness(seed: seed)
        try harness.authenticate()
        _ = try harness.generate(.eccP256, in: 0x9A)
        #expect(harness.verifyPIN() == .success)
        harness.store.isFailing = true
        return harness
    }

    @Test("A failed save answers 6581 and changes nothing",
          arguments: [
              "00 DB 3F FF 09 5C 03 5F C1 09 53 02 41 42",  // PUT DATA
              "00 DB 3F FF 07 5C 03 5F C1 02 53 00",  // PUT DATA deleting the CHUID
              "00 47 00 9C 05 AC 03 80 01 11 00",  // GENERATE
              "00 47 00 9A 05 AC 03 80 01 14 00",  // GENERATE over an existing key
              "00 20 00 80 08 31 32 33 34 35 36 FF FF",  // VERIFY, right PIN
              "00 20 00 80 08 39 39 39 39 39 39 FF FF",  // VERIFY, wrong PIN
              "00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 FF FF",  // CHANGE REFERENCE DATA
              "00 2C 00 80 10 31 32 33 34 35 36 37 38 36 35 34 33 32 31 FF FF",  // RESET RETRY COUNTER
              "00 FF FF FF 13 08 9B 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F",  // SET MGMKEY
              "00 FA 03 03",  // SET PIN RETRIES
              "00 F6 82 9A",  // MOVE KEY
              "00 F6 FF 9A",  // DELETE KEY
          ])
    func failedSave(command: String) throws {
        let harness = try failingCard(seed: "store \(command)")
        let before = harness.state
        let saves = harness.store.saves.count
        try harness.run([.inject(command), .expect("65 81")])
        #expect(harness.state == before)
        #expect(harness.store.saves.count == saves)
    }

    @Test("IMPORT: a failed save answers 6581 and leaves the slot empty")
    func failedImport() throws {
        let harness = try failingCard()
        let key = try PrivateKey.generate(.eccP256)
        let before = harness.state
        let data = try ImportComponents.items(for: key).flatMap(\.encoded)
        #expect(harness.send(CommandAPDU(ins: 0xFE, p1: 0x11, p2: 0x9D, data: data)).status == StatusWord(0x6581))
        #expect(harness.state == before)
    }

    @Test("RESET: a failed save answers 6581 and keeps the credential")
    func failedReset() throws {
        let harness = try CardHarness()
        try AdministrationTests.blockPIN(harness)
        try AdministrationTests.blockPUK(harness)
        harness.store.isFailing = true
        let before = harness.state
        try harness.run([.inject("00 FB 00 00"), .expect("65 81")])
        #expect(harness.state == before)
    }

    @Test("VERIFY: when the decremented counter cannot be saved, the PIN is not even checked")
    func verifyNotCheckedWithoutSave() throws {
        let harness = try CardHarness()
        harness.store.isFailing = true
        try harness.run([
            .inject("00 20 00 80 08 31 32 33 34 35 36 FF FF"), .expect("65 81"),
            .inject("00 20 00 80"), .expect("63 C5"),
        ])
        harness.store.isFailing = false
        try harness.run([.inject("00 20 00 80 08 31 32 33 34 35 36 FF FF"), .expect("90 00")])
    }
}
