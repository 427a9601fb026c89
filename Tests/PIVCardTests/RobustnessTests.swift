import APDU
import PIVCard
import PivlinkTesting
import Testing

/// Random and mutated APDUs against one card: every answer is a status word (at least 2 bytes), well-formed
/// commands keep working, and what the card holds is what it saved.
@Suite("No command crashes the card")
struct RobustnessTests {
    static let iterations = 4_000
    /// Instructions the card implements, so that mutations reach the command handlers and not only the dispatcher.
    static let instructions: [UInt8] = [0xA4, 0xCB, 0xDB, 0x20, 0x24, 0x2C, 0x87, 0x47, 0xC0, 0xFD, 0xF8, 0xFF, 0xFE,
                                        0xF7, 0xF9, 0xFA, 0xFB, 0xF6]

    @Test("A fixed-seed stream of mutated trace commands and random bytes")
    func mutatedCommands() throws {
        let trace = try APDUTrace.load()
        let seeds = trace.events.compactMap { event -> [UInt8]? in
            guard case .exchange(let exchange) = event else { return nil }
            return exchange.command
        } + Self.extraSeeds
        let harness = try TraceConformanceTests.respondersTwin()
        var random = SplitMix64(seed: 0x5049_564C_494E_4B)  // "PIVLINK"
        for iteration in 0..<Self.iterations {
            let command = iteration % 10 == 9
                ? (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                : Self.mutate(seeds.randomElement(using: &random) ?? [], using: &random)
            let reply = harness.card.process(command, now: harness.now)
            #expect(reply.count >= 2, "\(hexString(command))")
            if iteration % 97 == 0 { harness.card.endSession() }
            if iteration % 13 == 0 { harness.advance(by: .seconds(Int64.random(in: 0...1_000, using: &random))) }
            let version = harness.send("00 FD 00 00 00")
            #expect(version == ResponseAPDU(data: [5, 7, 0], status: .success), "after \(hexString(command))")
        }
        harness.card.endSession()
        try harness.run([
            .inject("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"), .expectStatus(0x9000),
            .inject("00 CB 3F FF 03 5C 01 7E 00"),
            .expect("7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00 90 00"),
            .inject("00 CB 3F FF 05 5C 03 5F C1 02 00"), .expectStatus(0x9000),
        ])
        if let saved = harness.store.saves.last {
            #expect(saved == harness.state, "the card holds exactly what it last saved")
        }
    }

    /// Commands the trace lacks, so that every instruction's handler sees mutations.
    static let extraSeeds: [[UInt8]] = [
        "00 47 00 9A 05 AC 03 80 01 11 00", "00 FE 11 9D 22 06 20 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 20",
        "00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 FF FF",
        "00 2C 00 80 10 31 32 33 34 35 36 37 38 31 32 33 34 35 36 FF FF", "00 FA 05 05", "00 FB 00 00",
        "00 F6 82 9A", "00 FF FF FF 1B 03 9B 18 01 02 03 04 05 06 07 08 01 02 03 04 05 06 07 08 01 02 03 04 05 06 07 08",
        "00 87 03 9B 04 7C 02 81 00 00", "00 87 11 9D 47 7C 45 82 00 85 41 04" + String(repeating: " 11", count: 64),
        "10 87 07 9A 08 7C 82 01 06 82 00 81 82",
    ].map(hex)

    /// One to four random edits of `seed`: byte flips, insertions, deletions, truncation, a new CLA, INS or Lc.
    static func mutate(_ seed: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<8, using: &random) {
            case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3: bytes = Array(bytes.prefix(position))
            case 4 where !bytes.isEmpty: bytes[0] = [0x00, 0x10, 0x80, 0x0C, 0xFF].randomElement(using: &random) ?? 0
            case 5 where bytes.count > 1: bytes[1] = instructions.randomElement(using: &random) ?? 0
            case 6 where bytes.count > 4: bytes[4] = UInt8.random(in: 0...255, using: &random)
            default: bytes += (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            }
        }
        return bytes
    }
}
