import Link
import PivlinkTesting
import Testing

struct LinkFragmenterTests {
    static let mtus = [23, 185, 247, 517]

    /// Payload lengths around every place the fragmenter's arithmetic turns: the end of the initial fragment, the
    /// end of each continuation, the sequence wrap after 128 continuations, and the 16-bit limit.
    static func boundaryLengths(fragmentSize: Int) -> [Int] {
        let initial = fragmentSize - 4, continuation = fragmentSize - 1
        var lengths: [Int] = []
        for continuations in [0, 1, 2, 127, 128, 129, 256] {
            let edge = initial + continuations * continuation
            lengths += [edge - 1, edge, edge + 1]
        }
        lengths += [0, 4096, LinkFrame.maximumPayloadLength - 1, LinkFrame.maximumPayloadLength]
        return lengths.filter { (0...LinkFrame.maximumPayloadLength).contains($0) }
    }

    static func payload(_ length: Int) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
    }

    @Test(arguments: mtus)
    func roundTripsEveryLengthUpTo1100AndEachBoundaryUpTo65535(mtu: Int) throws {
        let size = try LinkFragment.size(forMTU: mtu)
        let fragmenter = LinkFragmenter(fragmentSize: size)
        for length in Array(0...1100) + Self.boundaryLengths(fragmentSize: size) {
            let frame = LinkFrame(command: .apdu, transaction: UInt8(truncatingIfNeeded: length | 1), payload: Self.payload(length))
            let fragments = try fragmenter.fragments(frame)
            #expect(fragments.count == fragmenter.fragmentCount(payloadLength: length))
            #expect(fragments.allSatisfy { $0.count <= size })
            #expect(fragments.dropLast().allSatisfy { $0.count == size }, "a fragment before the last is not full")
            var reassembler = LinkReassembler(fragmentSize: size)
            var delivered: [LinkFrame] = []
            for fragment in fragments {
                if let frame = try reassembler.receive(fragment) { delivered.append(frame) }
            }
            #expect(delivered == [frame], "\(length) bytes at MTU \(mtu)")
            #expect(!reassembler.isAssembling)
        }
    }

    @Test(arguments: zip(mtus, [20, 182, 244, 512]))
    func cutsToMTUMinus3CappedAt512(mtu: Int, size: Int) throws {
        #expect(try LinkFragment.size(forMTU: mtu) == size)
        #expect(thrownCode { try LinkFragment.size(forMTU: 22) } == .mtuTooSmall)
    }

    /// The table "Fragment size" of docs/link-protocol.md, and its "Limits".
    @Test(arguments: zip(mtus, [14, 2, 2, 1]))
    func countsFragmentsAsTheDocumentSays(mtu: Int, shortAPDU: Int) throws {
        let fragmenter = LinkFragmenter(fragmentSize: try LinkFragment.size(forMTU: mtu))
        #expect(fragmenter.fragmentCount(payloadLength: 261) == shortAPDU)
        #expect(LinkFragmenter(fragmentSize: 20).fragmentCount(payloadLength: 65535) == 3450)
    }

    @Test func writesTheInitialHeaderAndCountsContinuationsFromZero() throws {
        let fragmenter = LinkFragmenter(fragmentSize: 20)
        let fragments = try fragmenter.fragments(LinkFrame(command: .ping, transaction: 0x07, payload: Self.payload(300)))
        #expect(Array(fragments[0].prefix(4)) == hex("81 07 01 2C"))
        #expect(fragments.dropFirst().map { $0[0] } == (0..<15).map(UInt8.init))
    }

    @Test func wrapsTheSequenceNumberAfter7F() throws {
        let fragmenter = LinkFragmenter(fragmentSize: 20)
        let length = 16 + 19 * 130
        let sequences = try fragmenter.fragments(LinkFrame(command: .response, transaction: 1, payload: Self.payload(length)))
            .dropFirst().map { $0[0] }
        #expect(sequences.count == 130)
        #expect(Array(sequences[126...129]) == hex("7E 7F 00 01"))
    }

    @Test func sendsAnEmptyMessageAsAHeaderAlone() throws {
        let fragments = try LinkFragmenter(fragmentSize: 20).fragments(try LinkMessage.powerOn.frame(transaction: 0x11))
        #expect(fragments == [hex("83 11 00 00")])
    }

    @Test func refusesPayloadsThe16BitLengthCannotSay() {
        let frame = LinkFrame(command: .apdu, transaction: 1, payload: Self.payload(LinkFrame.maximumPayloadLength + 1))
        #expect(thrownCode { try LinkFragmenter(fragmentSize: 512).fragments(frame) } == .messageTooLong)
    }

    /// The worked example of docs/link-protocol.md ("A worked example at MTU 23"), byte for byte.
    @Test func producesTheDocumentsWorkedExample() throws {
        let fragmenter = LinkFragmenter(fragmentSize: try LinkInfo(bytes: hex("01 01 02 00 FF FF 00 00 00 00")).fragmentSize(forMTU: 23))
        func fragments(_ message: LinkMessage, _ transaction: UInt8) throws -> [[UInt8]] {
            try fragmenter.fragments(try message.frame(transaction: transaction))
        }
        let atr = hex("3B F9 18 00 00 81 31 FE 45 00 44 50 49 56 2D 45 58 50 81")
        #expect(try fragments(.powerOn, 0x01) == [hex("83 01 00 00")])
        #expect(try fragments(.atr(atr), 0x01) == [
            hex("93 01 00 13 3B F9 18 00 00 81 31 FE 45 00 44 50 49 56 2D 45"),
            hex("00 58 50 81"),
        ])
        let select = LinkMessage.apdu(hex("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"))
        #expect(try fragments(select, 0x02) == [hex("82 02 00 0F 00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00")])
        #expect(try fragments(.keepalive(.processing), 0x02) == [hex("BB 02 00 01 01")])
        let response = LinkMessage.response(hex("61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 90 00"))
        #expect(try fragments(response, 0x02) == [
            hex("92 02 00 15 61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00"),
            hex("00 00 03 08 90 00"),
        ])
        let bytes = (0..<40).map(UInt8.init)
        #expect(try fragments(.ping(bytes), 0x03) == [
            hex("81 03 00 28 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"),
            hex("00 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 20 21 22"),
            hex("01 23 24 25 26 27"),
        ])
        #expect(try fragments(.pong(bytes), 0x03).map { $0[0] } == [0x91, 0x00, 0x01])
        #expect(try fragments(.getCredentialVersion, 0x04) == [hex("86 04 00 00")])
        #expect(try fragments(.credentialVersion(42), 0x04) == [hex("96 04 00 08 00 00 00 00 00 00 00 2A")])
        #expect(try fragments(.error(.invalidSequence), 0x05) == [hex("BF 05 00 01 04")])
        #expect(try fragments(.cancel, 0x06) == [hex("BE 06 00 00")])
    }
}
