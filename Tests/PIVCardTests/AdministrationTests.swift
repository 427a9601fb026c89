import APDU
import CardCrypto
import PIVCard
import PivlinkTesting
import Testing

/// YubiKey administration: GET VERSION (FD), GET SERIAL (F8), SET MGMKEY (FF), SET PIN RETRIES (FA), RESET (FB),
/// MOVE/DELETE KEY (F6).
@Suite("YubiKey administration instructions")
struct AdministrationTests {
    @Test("YubiKey FD/F8: version 5.7.0 and the serial as 4 big-endian bytes, signed-positive")
    func versionAndSerial() throws {
        let harness = try CardHarness()
        let serial = harness.state.serial
        let bytes = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: serial >> UInt32($0)) }
        #expect(bytes[0] & 0x80 == 0 && serial != 0)
        try harness.run([
            .inject("00 FD 00 00 00"), .expect("05 07 00 90 00"),
            .inject("00 FD 00 00"), .expect("05 07 00 90 00"),
            .inject("00 F8 00 00 00"), .expect(hexString(bytes) + " 90 00"),
        ])
    }

    // MARK: SET MGMKEY

    @Test("YubiKey FF: the new key of each algorithm is what authenticates afterwards",
          arguments: [SymmetricAlgorithm.tripleDES, .aes128, .aes192, .aes256])
    func setManagementKey(algorithm: SymmetricAlgorithm) throws {
        let harness = try CardHarness(seed: "set key \(algorithm)")
        try harness.authenticate()
        let key = (0..<algorithm.keyByteCount).map { UInt8(0xA0 + $0) }
        let data = [algorithm.rawValue, 0x9B, UInt8(key.count)] + key
        #expect(harness.send(CommandAPDU(ins: 0xFF, p1: 0xFF, p2: 0xFF, data: data)) == ResponseAPDU(.success))
        #expect(harness.state.managementKey == ManagementKey(algorithm: algorithm, key: key, isDefault: false))
        #expect(harness.store.saves.last?.managementKey.key == key)
        harness.card.endSession()
        let old = CardHarness.defaultManagementKey
        let stale = harness.send(CommandAPDU(ins: 0x87, p1: old.algorithm.rawValue, p2: 0x9B, data: hex("7C 02 80 00")))
        #expect(stale.status == (algorithm == .tripleDES ? .success : StatusWord(0x6A86)))
        harness.managementKey = ManagementKey(algorithm: algorithm, key: key, isDefault: false)
        try harness.authenticate()
        try harness.run([.inject(ManagementKeyAuthenticationTests.adminOnlyCommand), .expect("90 00")])
    }

    @Test("YubiKey FF: setting the default key back marks it default")
    func setDefaultKeyBack() throws {
        let harness = try CardHarness(managementKey: ManagementKey(algorithm: .aes128, key: Array(0..<16), isDefault: false))
        try harness.authenticate()
        try harness.run([.inject("00 FF FF FF 1B 03 9B 18 " + hexString(CardProvisioning.defaultManagementKey)),
                         .expect("90 00")])
        #expect(harness.state.managementKey.isDefault)
    }

    @Test("YubiKey FF: needs the management key (6982); touch (P2 FE) and other P1 P2 answer 6A86")
    func setManagementKeyConditions() throws {
        let harness = try CardHarness()
        let command = "1B 03 9B 18 " + String(repeating: "11 ", count: 24)
        try harness.run([.inject("00 FF FF FF " + command), .expect("69 82")])
        try harness.authenticate()
        try harness.run([
            .inject("00 FF FF FE " + command), .expect("6A 86"),
            .inject("00 FF 00 FF " + command), .expect("6A 86"),
        ])
        #expect(harness.state.managementKey == CardHarness.defaultManagementKey)
    }

    @Test("YubiKey FF: a malformed key answers 6A80 and keeps the old key",
          arguments: [
              "00 FF FF FF 1A 03 9B 18" + String(repeating: " 11", count: 23),  // one byte short
              "00 FF FF FF 13 08 9B 11" + String(repeating: " 11", count: 16),  // length byte disagrees
              "00 FF FF FF 1B 03 9A 18" + String(repeating: " 11", count: 24),  // not 9B
              "00 FF FF FF 1B 07 9B 18" + String(repeating: " 11", count: 24),  // not a symmetric algorithm
              "00 FF FF FF 13 03 9B 10" + String(repeating: " 11", count: 16),  // 16-byte 3DES key
              "00 FF FF FF 02 03 9B",  // no key
          ])
    func malformedManagementKey(command: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([.inject(command), .expect("6A 80")])
        #expect(harness.state.managementKey == CardHarness.defaultManagementKey)
    }

    // MARK: SET PIN RETRIES

    @Test("YubiKey FA: needs the management key and the PIN; sets the tries and the default PIN and PUK")
    func setPINRetries() throws {
        let harness = try CardHarness(pin: "24681357", puk: "87654321")
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9A)
        try harness.run([.inject("00 FA 03 07"), .expect("69 82")])
        harness.card.endSession()
        #expect(harness.verifyPIN("24681357") == .success)
        try harness.run([.inject("00 FA 03 07"), .expect("69 82")])
        try harness.authenticate()
        try harness.run([
            .inject("00 FA 03 07"), .expect("90 00"),
            .inject("00 20 00 80"), .expect("63 C3"),  // the PIN is no longer verified
        ])
        #expect(harness.state.pin == ReferenceData(triesLeft: 3, maximumTries: 3, isDefault: true))
        #expect(harness.state.puk == ReferenceData(triesLeft: 7, maximumTries: 7, isDefault: true))
        #expect(harness.verifyPIN("24681357") == StatusWord(0x63C2))
        #expect(harness.verifyPIN() == .success)
        try KeyUse.check(harness, slot: 0x9A, publicKey: publicKey)
        try harness.run([
            .inject("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF"), .expect("90 00"),
        ])
    }

    @Test("FIPS 201-3 §2.9.3: SET PIN RETRIES takes 1 to 10 tries (6A86 otherwise)",
          arguments: [(UInt8(0), UInt8(5)), (5, 0), (11, 5), (5, 11), (0xFF, 0xFF)])
    func setPINRetriesLimits(pin: UInt8, puk: UInt8) throws {
        let harness = try CardHarness(seed: "limits \(pin) \(puk)")
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        let answer = harness.send(CommandAPDU(ins: 0xFA, p1: pin, p2: puk))
        #expect(answer.status == StatusWord(0x6A86))
        #expect(harness.state.pin.maximumTries == 5 && harness.state.puk.maximumTries == 5)
    }

    @Test("FIPS 201-3 §2.9.3: 1 and 10 tries are accepted")
    func setPINRetriesBounds() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        try harness.run([.inject("00 FA 01 0A"), .expect("90 00")])
        #expect(harness.state.pin.maximumTries == 1 && harness.state.puk.maximumTries == 10)
        try harness.run([.inject("00 20 00 80 08 39 39 39 39 39 39 FF FF"), .expect("63 C0")])
        #expect(harness.state.pin.isBlocked)
    }

    // MARK: RESET

    @Test("YubiKey FB: refused (6985) unless both the PIN and the PUK are blocked")
    func resetConditions() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        try harness.run([.inject("00 FB 00 00"), .expect("69 85")])
        try Self.blockPIN(harness)
        try harness.run([.inject("00 FB 00 00"), .expect("69 85")])
        let other = try CardHarness(seed: "only the PUK")
        try Self.blockPUK(other)
        try other.run([.inject("00 FB 00 00"), .expect("69 85")])
    }

    @Test("YubiKey FB: with PIN and PUK blocked, RESET wipes keys and objects, keeps serial and attestation, new GUID")
    func reset() throws {
        let harness = try CardHarness(pin: "24681357", puk: "87654321",
                                      managementKey: ManagementKey(algorithm: .aes256, key: Array(0..<32), isDefault: false))
        try harness.authenticate()
        _ = try harness.generate(.eccP256, in: 0x9A)
        #expect(harness.putData(0x5FC105, [0x70, 0x00]) == .success)
        #expect(harness.putData(0x5FC109, [0x01]) == .success)
        try Self.blockPIN(harness)
        try Self.blockPUK(harness)
        let before = harness.state
        try harness.run([
            .inject("00 FB 00 00"), .expect("90 00"),
            .inject("00 DB 3F FF 09 5C 03 5F C1 09 53 02 41 42"), .expect("69 82"),  // the session ended
        ])
        let after = harness.state
        #expect(after.serial == before.serial)
        #expect(after.keys.keys.sorted() == [.attestation])
        #expect(after.keys[.attestation] == before.keys[.attestation])
        #expect(after.objects[0x5FFF01] == before.objects[0x5FFF01])
        #expect(Set(after.objects.keys) == [0x5FFF01, 0x7E, 0x5FC102, 0x5FC107])
        #expect(after.objects[0x5FC102] != before.objects[0x5FC102], "a new GUID: a new PKCS#11 token")
        #expect(after.pin == ReferenceData(triesLeft: 5, maximumTries: 5, isDefault: true))
        #expect(after.puk == ReferenceData(triesLeft: 5, maximumTries: 5, isDefault: true))
        #expect(after.managementKey == CardHarness.defaultManagementKey)
        #expect(after.version > before.version)
        #expect(harness.store.saves.last == after)
        #expect(harness.verifyPIN() == .success)
        harness.managementKey = CardHarness.defaultManagementKey
        try harness.authenticate()
    }

    // MARK: MOVE KEY

    @Test("YubiKey F6: a key moves to an empty slot and works there; the source is empty afterwards")
    func moveKey() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9A)
        #expect(harness.verifyPIN() == .success)
        try KeyUse.check(harness, slot: 0x9A, publicKey: publicKey)
        let version = harness.state.version
        try harness.run([.inject("00 F6 82 9A"), .expect("90 00")])
        #expect(harness.state.keys[.authentication] == nil)
        #expect(harness.state.keys[KeySlot.retired[0]]?.publicKey == publicKey)
        #expect(harness.state.version > version)
        try harness.run([.inject("00 F7 00 9A 00"), .expect("6A 88")])
        try KeyUse.check(harness, slot: 0x82, publicKey: publicKey)
    }

    @Test("YubiKey F6: P1 FF deletes the key")
    func deleteKey() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        _ = try harness.generate(.eccP256, in: 0x9D)
        try harness.run([
            .inject("00 F6 FF 9D"), .expect("90 00"),
            .inject("00 F7 00 9D 00"), .expect("6A 88"),
            .inject("00 F6 FF 9D"), .expect("6A 88"),
        ])
    }

    @Test("YubiKey F6: never onto a key (6985), never F9 or itself (6A86), never without the management key (6982)")
    func moveRefusals() throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 F6 FF 9A"), .expect("69 82")])
        try harness.authenticate()
        _ = try harness.generate(.eccP256, in: 0x9A)
        _ = try harness.generate(.eccP256, in: 0x9C)
        let before = harness.state
        try harness.run([
            .inject("00 F6 9C 9A"), .expect("69 85"),
            .inject("00 F6 F9 9A"), .expect("6A 86"),
            .inject("00 F6 9A 9A"), .expect("6A 86"),
            .inject("00 F6 9A F9"), .expect("6A 86"),
            .inject("00 F6 9B 9A"), .expect("6A 86"),
            .inject("00 F6 9A 01"), .expect("6A 86"),
            .inject("00 F6 9A 83"), .expect("6A 88"),
        ])
        #expect(harness.state == before)
    }

    // MARK: helpers

    static func blockPIN(_ harness: CardHarness) throws {
        for _ in 0..<harness.state.pin.triesLeft { harness.send("00 20 00 80 08 39 39 39 39 39 39 FF FF") }
        #expect(harness.state.pin.isBlocked)
    }

    static func blockPUK(_ harness: CardHarness) throws {
        for _ in 0..<harness.state.puk.triesLeft {
            harness.send("00 2C 00 80 10 39 39 39 39 39 39 39 39 31 32 33 34 35 36 FF FF")
        }
        #expect(harness.state.puk.isBlocked)
    }
}
