import APDU
import PIVCard
import PivlinkTesting
import Testing

/// GET DATA and PUT DATA (SP 800-73-5 pt2 §3.1.2, §3.3.1) and the objects a new credential starts with.
@Suite("GET DATA and PUT DATA")
struct DataObjectTests {
    @Test("pt2 §3.3.1: PUT DATA without the management key is refused with 6982 and stores nothing")
    func putNeedsAdministrator() throws {
        let harness = try CardHarness()
        #expect(harness.verifyPIN() == .success)
        let saves = harness.store.saves.count
        try harness.run([.inject("00 DB 3F FF 09 5C 03 5F C1 06 53 02 01 02"), .expect("69 82")])
        #expect(harness.store.saves.count == saves)
        #expect(harness.state.objects[0x5FC106] == nil)
    }

    @Test("pt2 §3.3.1, §3.1.2: an object written with PUT DATA reads back in its 53 template")
    func roundTrip() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let version = harness.state.version
        try harness.run([
            .inject("00 DB 3F FF 09 5C 03 5F C1 06 53 02 01 02"), .expect("90 00"),
            .inject("00 CB 3F FF 05 5C 03 5F C1 06 00"), .expect("53 02 01 02 90 00"),
        ])
        #expect(harness.state.version == version + 1, "a write makes cached copies stale")
        #expect(harness.store.saves.last?.objects[0x5FC106] == [0x01, 0x02])
    }

    @Test("pt2 §3.3.1: an empty 53 deletes the object")
    func deleteByEmptyValue() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([
            .inject("00 DB 3F FF 09 5C 03 5F C1 06 53 02 01 02"), .expect("90 00"),
            .inject("00 DB 3F FF 07 5C 03 5F C1 06 53 00"), .expect("90 00"),
            .inject("00 CB 3F FF 05 5C 03 5F C1 06 00"), .expect("6A 82"),
        ])
        #expect(harness.state.objects[0x5FC106] == nil)
    }

    @Test("pt1 Table 3 + YubiKey: PUT DATA writes the PIV objects, Discovery, the BIT group and 5FFF00…5FFF15",
          arguments: [UInt32(0x5FC101), 0x5FC10A, 0x5FC120, 0x5FC123, 0x5FFF00, 0x5FFF01, 0x5FFF15])
    func writableTags(tag: UInt32) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.putData(tag, [0xAA]) == .success)
        #expect(harness.state.objects[tag] == [0xAA])
    }

    @Test("pt2 §3.3.1: PUT DATA of a tag outside the writable set is refused with 6A80",
          arguments: [UInt32(0x5FC100), 0x5FC124, 0x5FFF16, 0x5FFEFF, 0x7F60, 0x5C, 0x53])
    func unwritableTags(tag: UInt32) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let before = harness.state
        #expect(harness.putData(tag, [0xAA]) == StatusWord(0x6A80))
        #expect(harness.state == before)
    }

    @Test("pt2 §3.3.1: Discovery and the BIT group template are written as their own TLV")
    func ownTemplates() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([
            .inject("00 DB 3F FF 14 7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 48 00"), .expect("90 00"),
            .inject("00 CB 3F FF 03 5C 01 7E 00"),
            .expect("7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 48 00 90 00"),
            .inject("00 DB 3F FF 05 7F 61 02 02 01"), .expect("90 00"),
            .inject("00 CB 3F FF 04 5C 02 7F 61 00"), .expect("7F 61 02 02 01 90 00"),
        ])
    }

    @Test("pt2 §3.3.1: objects up to 16 KiB are stored; one byte more is refused with 6A84")
    func sizeLimit() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let largest = (0..<16 * 1024).map { UInt8(truncatingIfNeeded: $0) }
        #expect(harness.putData(0x5FC106, largest) == .success)
        let read = harness.getData(0x5FC106)
        #expect(read.status == .success)
        #expect(read.data == TLV(0x53, largest).encoded)
        #expect(harness.putData(0x5FC106, largest + [0x00]) == StatusWord(0x6A84))
        #expect(harness.state.objects[0x5FC106] == largest)
    }

    @Test("SP 800-157r1 App. B: a 3000-byte Security Object is stored and read back through GET RESPONSE")
    func securityObject() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let securityObject = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(harness.putData(0x5FC106, securityObject) == .success)
        let first = harness.send("00 CB 3F FF 05 5C 03 5F C1 06 00")
        #expect(first.status == StatusWord(0x6100), "more than 256 bytes remain")
        #expect(first.data.count == 256)
        #expect(harness.getData(0x5FC106).data == TLV(0x53, securityObject).encoded)
    }

    @Test("pt1 Table 3: PIN-read objects answer 6982 until the PIN is verified",
          arguments: [UInt32(0x5FC103), 0x5FC108, 0x5FC109, 0x5FC121])
    func pinProtectedObjects(tag: UInt32) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.putData(tag, [0x01]) == .success)
        #expect(harness.getData(tag).status == StatusWord(0x6982))
        #expect(harness.verifyPIN() == .success)
        #expect(harness.getData(tag).data == [0x53, 0x01, 0x01])
    }

    @Test("pt1 Table 3: objects readable always need no PIN", arguments: [UInt32(0x5FC102), 0x5FC107, 0x7E])
    func alwaysReadable(tag: UInt32) throws {
        let harness = try CardHarness()
        #expect(harness.getData(tag).status == .success)
    }

    @Test("pt1 §3.3.2: Key History is synthesized from the retired certificates on the card")
    func keyHistorySynthesized() throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 CB 3F FF 05 5C 03 5F C1 0C 00"), .expect("53 08 C1 01 00 C2 01 00 FE 00 90 00")])
        try harness.authenticate()
        #expect(harness.putData(0x5FC10D, [0x70, 0x00]) == .success)  // retired 82
        #expect(harness.putData(0x5FC10F, [0x70, 0x00]) == .success)  // retired 84
        try harness.run([.inject("00 CB 3F FF 05 5C 03 5F C1 0C 00"), .expect("53 08 C1 01 03 C2 01 00 FE 00 90 00")])
        #expect(harness.putData(0x5FC10C, hex("C1 01 01 C2 01 01 FE 00")) == .success)
        try harness.run([.inject("00 CB 3F FF 05 5C 03 5F C1 0C 00"), .expect("53 08 C1 01 01 C2 01 01 FE 00 90 00")])
    }

    @Test("pt1 §3.1.2 + OpenSC: the CHUID carries a version 4 GUID that differs between credentials")
    func chuidGUID() throws {
        let guids = try ["first credential", "second credential"].map { seed in
            let harness = try CardHarness(seed: seed)
            let chuid = try #require(harness.getData(0x5FC102).data.nonEmpty)
            let items = try TLV.parseSequence(chuid)[0].children()
            #expect(items.map(\.tag) == [0x30, 0x34, 0x35, 0x3E, 0xFE])
            #expect(items.first(0x35)?.value == Array("20360101".utf8), "expiry ten years after 2026-01-01")
            let guid = try #require(items.first(0x34)?.value)
            #expect(guid.count == 16)
            #expect(guid[6] >> 4 == 4 && guid[8] >> 6 == 2, "RFC 4122 version 4")
            return guid
        }
        #expect(guids[0] != guids[1])
    }

    @Test("pt1 §3.1.1: the CCC starts with the card identifier after yubico-piv-tool's prefix")
    func cardCapabilityContainer() throws {
        let harness = try CardHarness()
        let ccc = harness.getData(0x5FC107)
        #expect(ccc.status == .success)
        let items = try TLV.parseSequence(ccc.data)[0].children()
        #expect(items.first(0xF0)?.value.starts(with: hex("A0 00 00 01 16 FF 02")) == true)
        #expect(items.first(0xF0)?.value.count == 21)
    }

    @Test("OpenSC 0.23: GET DATA with Le 08 still returns the whole object")
    func shortLeGetsEverything() throws {
        let harness = try CardHarness()
        let whole = harness.getData(0x5FC102)
        try harness.run([.inject("00 CB 3F FF 05 5C 03 5F C1 02 08"), .expect(hexString(whole.data) + " 90 00")])
    }

    @Test("pt2 §3.1.2: GET DATA of an absent object answers 6A82", arguments: [UInt32(0x5FC106), 0x5FC10B, 0x5FC122])
    func absentObject(tag: UInt32) throws {
        let harness = try CardHarness()
        #expect(harness.getData(tag).status == StatusWord(0x6A82))
    }

    @Test("pt2 §3.1.2: a malformed tag list answers 6A80",
          arguments: [
              "00 CB 3F FF 00",  // no data at all
              "00 CB 3F FF 03 5D 01 7E 00",  // not 5C
              "00 CB 3F FF 06 5C 04 5F C1 02 01 00",  // four-byte tag
              "00 CB 3F FF 02 5C 00 00",  // empty tag
              "00 CB 3F FF 06 5C 01 7E 5C 01 7E 00",  // two tag lists
              "00 CB 3F FF 04 5C 01 7E 00 00",  // trailing byte
              "00 CB 3F FF 04 5C 05 5F C1 00",  // length past the end
          ])
    func malformedTagList(command: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject(command), .expect("6A 80")])
    }

    @Test("pt2 §3.3.1: a malformed PUT DATA body answers 6A80 and stores nothing",
          arguments: [
              "00 DB 3F FF 05 5C 03 5F C1 06",  // no 53
              "00 DB 3F FF 04 53 02 01 02",  // no 5C
              "00 DB 3F FF 09 53 02 01 02 5C 03 5F C1 06",  // wrong order
              "00 DB 3F FF 09 5C 03 5F C1 06 53 05 01 02",  // 53 runs past the end
              "00 DB 3F FF 0A 5C 03 5F C1 06 53 02 01 02 FF",  // trailing byte
              "00 DB 3F FF 0D 5C 03 5F C1 06 53 02 01 02 53 02 01 02",  // two values
              "00 DB 3F FF 0A 5C 04 5F C1 06 01 53 02 01 02",  // four-byte tag
          ])
    func malformedPut(command: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let before = harness.state
        try harness.run([.inject(command), .expect("6A 80")])
        #expect(harness.state == before)
    }

    @Test("pt2 §3.1.2, §3.3.1: P1 P2 other than 3F FF answer 6A86",
          arguments: ["00 CB 3F FE 03 5C 01 7E 00", "00 CB 00 FF 03 5C 01 7E 00", "00 DB 3F 00 05 7F 61 02 02 01"])
    func wrongP1P2(command: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        try harness.run([.inject(command), .expect("6A 86")])
    }
}
