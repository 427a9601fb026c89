import APDU
import PIVCard
import Testing

/// SELECT (SP 800-73-5 pt2 §3.1.1) and the default selection of PIV.
@Suite("SELECT")
struct SelectTests {
    /// The application property template this card answers: PIX 00 00 10 00 01 00, the RID, label "pivlink",
    /// and the algorithms 07 05 11 14 with no secure-messaging suite.
    static let propertyTemplate = "61 2A 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 50 07 70 69 76 6C 69 6E 6B "
        + "AC 0E 80 01 07 80 01 05 80 01 11 80 01 14 06 00"

    @Test("pt2 §3.1.1: the full PIV AID selects and answers the application property template")
    func fullAID() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00"),
            .expect(Self.propertyTemplate + " 90 00"),
        ])
    }

    @Test("pt2 §3.1.1: the right-truncated 9-byte AID OpenSC sends selects PIV")
    func truncatedAID() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"),
            .expect(Self.propertyTemplate + " 90 00"),
        ])
    }

    @Test("libykpiv: the 5-byte RID alone selects PIV")
    func ridOnly() throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 A4 04 00 05 A0 00 00 03 08"), .expect(Self.propertyTemplate + " 90 00")])
    }

    @Test("ISO 7816-4: P2 0C selects without answering the template")
    func noResponseData() throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 A4 04 0C 05 A0 00 00 03 08"), .expect("90 00")])
    }

    @Test("pt2 §3.1.1: AIDs that are not PIV (the OpenSC driver probes, a shorter RID, the derived AID) answer 6A82",
          arguments: [
              "00 A4 04 00 07 62 76 01 FF 00 00 00",
              "00 A4 04 00 06 A0 00 00 00 01 01",
              "00 A4 04 00 0B E8 2B 06 01 04 01 81 C3 1F 02 01 00",
              "00 A4 04 0C 0F D2 33 00 00 00 45 73 74 45 49 44 20 76 33 35",
              "00 A4 04 00 04 A0 00 00 03",
              "00 A4 04 00 0B A0 00 00 03 08 00 00 20 00 01 00 00",
              "00 A4 04 00 0C A0 00 00 03 08 00 00 10 00 01 00 01 00",
          ])
    func foreignAID(command: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject(command), .expect("6A 82")])
    }

    @Test("pt2 §3.1.1: a failed SELECT leaves PIV selected, the PIN verified and the administrator authenticated")
    func failedSelectKeepsState() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        let saves = harness.store.saves.count
        let before = harness.state
        try harness.run([
            .inject("00 A4 04 00 06 A0 00 00 00 01 01"), .expect("6A 82"),
            .inject("00 20 00 80"), .expect("90 00"),
            .inject("00 CB 3F FF 03 5C 01 7E 00"), .expectStatus(0x9000),
            .inject("00 DB 3F FF 09 5C 03 5F C1 09 53 02 41 42"), .expect("90 00"),
        ])
        #expect(harness.store.saves.count == saves + 1)
        #expect(harness.state.objects.filter { $0.key != 0x5FC109 } == before.objects)
    }

    @Test("pt2 §3.1.1: selecting PIV again keeps the security status")
    func reselectKeepsState() throws {
        let harness = try CardHarness()
        #expect(harness.verifyPIN() == .success)
        try harness.run([
            .inject("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"), .expectStatus(0x9000),
            .inject("00 20 00 80"), .expect("90 00"),
        ])
    }

    @Test("pt2 §2.3.1: PIV is selected by default, so GET DATA works before any SELECT")
    func defaultSelected() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 CB 3F FF 03 5C 01 7E 00"),
            .expect("7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00 90 00"),
        ])
    }

    @Test("ISO 7816-4: SELECT by anything but DF name (P1 04) is refused with 6A86", arguments: ["00", "02", "08"])
    func otherSelectionMethods(p1: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 A4 \(p1) 00 05 A0 00 00 03 08"), .expect("6A 86")])
    }

    @Test("ISO 7816-4: P2 other than 00 (FCI) or 0C (no data) is refused with 6A86")
    func otherAnswerForms() throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 A4 04 04 05 A0 00 00 03 08"), .expect("6A 86")])
    }
}
