import APDU
import CardCrypto
import PIVCard
import PivlinkTesting
import Testing

/// Command chaining (ISO 7816-4 §5.3.3, CLA 10) and response chaining with 61xx/GET RESPONSE (§5.3.4), as
/// SP 800-73-5 pt2 §3 uses them.
@Suite("Command chaining and GET RESPONSE")
struct ChainingTests {
    /// A certificate object of `size` bytes of value: 70 { … } 71 01 00 FE 00.
    private static func certificateObject(size: Int) -> [UInt8] {
        let der = (0..<(size - 9)).map { UInt8(truncatingIfNeeded: $0 * 17) }
        return TestCertificates.object(der)
    }

    @Test("ISO 7816-4 §5.3.3: PUT DATA of a 2 KiB certificate in 255-byte links is stored whole")
    func chainedPutData() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let object = Self.certificateObject(size: 2048)
        let data = TLV(0x5C, [0x5F, 0xC1, 0x05]).encoded + TLV(0x53, object).encoded
        var links = stride(from: 0, to: data.count, by: 255).map { Array(data[$0..<min($0 + 255, data.count)]) }
        let last = links.removeLast()
        for link in links {
            #expect(harness.send(CommandAPDU(cla: 0x10, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: link)) == ResponseAPDU(.success))
            #expect(harness.state.objects[0x5FC105] == nil, "nothing happens before the last link")
        }
        #expect(harness.send(CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: last)) == ResponseAPDU(.success))
        #expect(harness.state.objects[0x5FC105] == object)
    }

    @Test("pt2 §3.2.4: a chain interrupted by another command is dropped; the interrupting command is answered")
    func interruptedChain() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let data = TLV(0x5C, [0x5F, 0xC1, 0x05]).encoded + TLV(0x53, Self.certificateObject(size: 400)).encoded
        let first = Array(data.prefix(255)), rest = Array(data.dropFirst(255))
        try harness.run([
            .inject(hexString(CommandAPDU(cla: 0x10, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: first).serialized())),
            .expect("90 00"),
            .inject("00 CB 3F FF 03 5C 01 7E 00"), .expectStatus(0x9000),
            .inject(hexString(CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: rest).serialized())),
            .expect("6A 80"),  // the tail alone is no PUT DATA body
        ])
        #expect(harness.state.objects[0x5FC105] == nil)
    }

    @Test("ISO 7816-4 §5.3.3: a link with another header or a malformed APDU ends the chain")
    func chainEndedByOtherLinks() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        for interruption in ["10 DB 3F FE 02 5C 03", "00 DB 3F", "80 DB 3F FF 02 5C 03"] {
            try harness.run([
                .inject("10 DB 3F FF 05 5C 03 5F C1 09"), .expect("90 00"),
                .inject(interruption),
                .inject("00 DB 3F FF 04 53 02 41 42"), .expect("6A 80"),
            ])
            #expect(harness.state.objects[0x5FC109] == nil, "after \(interruption)")
        }
    }

    @Test("pt2 §3.3.1: a chain longer than the largest object is refused with 6A84 and dropped")
    func oversizeChain() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let before = harness.state
        var refusedAt: Int?
        for index in 0..<70 {
            let link = harness.send(CommandAPDU(cla: 0x10, ins: 0xDB, p1: 0x3F, p2: 0xFF,
                                                data: [UInt8](repeating: 0x53, count: 255)))
            if link.status != .success {
                #expect(link.status == StatusWord(0x6A84))
                refusedAt = index
                break
            }
        }
        #expect(refusedAt == (16 * 1024 + 16) / 255, "the first link past 16 KiB + 16")
        try harness.run([.inject("00 DB 3F FF 09 5C 03 5F C1 09 53 02 41 42"), .expect("90 00")])
        #expect(harness.state.objects.filter { $0.key != 0x5FC109 } == before.objects)
    }

    @Test("ISO 7816-4 §5.3.4: a large certificate comes in 256-byte pieces with 61xx, the last with 9000")
    func largeCertificate() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let object = Self.certificateObject(size: 1500)
        #expect(harness.putData(0x5FC105, object) == .success)
        var answer = harness.send("00 CB 3F FF 05 5C 03 5F C1 05 00")
        var pieces = [answer.data]
        while answer.status.sw1 == 0x61 {
            answer = harness.send(CommandAPDU(ins: 0xC0, p1: 0, p2: 0, le: answer.status.sw2 == 0 ? 256 : Int(answer.status.sw2)))
            pieces.append(answer.data)
        }
        #expect(answer.status == .success)
        #expect(pieces.map(\.count) == [256, 256, 256, 256, 256, 224])
        #expect(pieces.flatMap { $0 } == TLV(0x53, object).encoded)
    }

    @Test("ISO 7816-4 §5.3.4: an extended Le gets the whole answer at once; extended Lc needs no chaining")
    func extendedLengths() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let object = Self.certificateObject(size: 1500)
        let put = CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF,
                              data: TLV(0x5C, [0x5F, 0xC1, 0x05]).encoded + TLV(0x53, object).encoded)
        #expect(harness.send(put) == ResponseAPDU(.success))
        let answer = harness.send("00 CB 3F FF 00 00 05 5C 03 5F C1 05 00 00")
        #expect(answer == ResponseAPDU(data: TLV(0x53, object).encoded, status: .success))
    }

    @Test("ISO 7816-4 §5.3.4: GET RESPONSE with nothing pending answers 6985, also once another command came")
    func getResponseWithoutPending() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.putData(0x5FC105, Self.certificateObject(size: 600)) == .success)
        try harness.run([
            .inject("00 C0 00 00 00"), .expect("69 85"),
            .inject("00 CB 3F FF 05 5C 03 5F C1 05 00"), .expectStatus(0x6100),
            .inject("00 FD 00 00 00"), .expect("05 07 00 90 00"),
            .inject("00 C0 00 00 00"), .expect("69 85"),
            .inject("00 CB 3F FF 05 5C 03 5F C1 05 00"), .expectStatus(0x6100),
            .step { $0.card.endSession() },
            .inject("00 C0 00 00 00"), .expect("69 85"),
        ])
    }
}
