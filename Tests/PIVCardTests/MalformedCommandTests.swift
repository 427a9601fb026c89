import APDU
import PIVCard
import Testing

/// Commands the card cannot take at all: unknown instructions and classes and broken lengths (ISO 7816-4 §5.1,
/// §5.6). Each gets its status word and leaves the card as it was. Malformed data of each instruction is tested
/// with that instruction.
@Suite("Malformed commands")
struct MalformedCommandTests {
    @Test("ISO 7816-4 §5.6: an instruction the card does not implement answers 6D00",
          arguments: ["00 CA DF 30 05", "00 B0 00 00 00", "00 00 00 00", "00 84 00 00 08", "00 FC 00 00", "00 E0 00 00",
                      "00 44 00 00"])
    func unknownInstruction(command: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject(command), .expect("6D 00")])
    }

    @Test("ISO 7816-4 §5.3.3: links of an unknown instruction are buffered; the chain's end answers 6D00")
    func unknownInstructionChained() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("10 0E 00 00 02 01 02"), .expect("90 00"),
            .inject("00 0E 00 00 02 03 04"), .expect("6D 00"),
        ])
    }

    @Test("ISO 7816-4 §5.1.1: proprietary, secure-messaging and logical-channel classes answer 6E00",
          arguments: ["80", "84", "0C", "01", "03", "40", "FF", "90"])
    func unsupportedClass(cla: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject("\(cla) CB 3F FF 03 5C 01 7E 00"), .expect("6E 00")])
    }

    @Test("ISO 7816-4 §5.1: lengths that do not add up answer 6700",
          arguments: [
              "",  // nothing
              "00",
              "00 A4 04",
              "00 A4 04 00 05 A0 00 00",  // Lc 5, 3 bytes
              "00 A4 04 00 03 A0 00 00 03 08",  // Lc 3, 5 bytes
              "00 A4 04 00 03 A0 00 00 00 00",  // two bytes after the data
              "00 CB 3F FF 00 00",  // truncated extended length
              "00 CB 3F FF 00 00 00 00 05",  // extended Lc 0
              "00 CB 3F FF 00 00 05 5C 03 5F C1",  // extended Lc 5, 4 bytes
              "00 CB 3F FF 00 00 03 5C 01 7E 00",  // extended Lc with a one-byte Le
          ])
    func wrongLengths(command: String) throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        let saves = harness.store.saves.count
        let before = harness.state
        try harness.run([
            .inject(command), .expect("67 00"),
            .inject("00 20 00 80"), .expect("90 00"),  // the session survives
            .inject("00 DB 3F FF 09 5C 03 5F C1 09 53 02 41 42"), .expect("90 00"),
        ])
        #expect(harness.store.saves.count == saves + 1)
        #expect(harness.state.objects.filter { $0.key != 0x5FC109 } == before.objects)
    }
}
