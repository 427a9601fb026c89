import Link
import PivlinkTesting
import Testing

struct LinkReassemblerTests {
    /// A 100-byte APDU at MTU 23: an initial fragment (16 bytes of data) and continuations 00…04 (19, 19, 19, 19, 8).
    static let frame = LinkFrame(command: .apdu, transaction: 0x05, payload: LinkFragmenterTests.payload(100))
    static let fragments: [[UInt8]] = (try? LinkFragmenter(fragmentSize: 20).fragments(frame)) ?? []

    static func reassembler() -> LinkReassembler {
        LinkReassembler(fragmentSize: 20, maximumMessageLength: 1000)
    }

    /// Feeds `fragments`; returns the frames delivered and the code of the first error, after which it stops.
    static func feed(_ fragments: [[UInt8]], to reassembler: inout LinkReassembler) -> (frames: [LinkFrame], error: LinkError.Code?) {
        var frames: [LinkFrame] = []
        for fragment in fragments {
            do throws(LinkError) {
                if let frame = try reassembler.receive(fragment) { frames.append(frame) }
            } catch {
                return (frames, error.code)
            }
        }
        return (frames, nil)
    }

    @Test func deliversAMessageWhenItsLastFragmentArrives() throws {
        #expect(Self.fragments.count == 6)
        var reassembler = Self.reassembler()
        for fragment in Self.fragments.dropLast() {
            #expect(try reassembler.receive(fragment) == nil)
            #expect(reassembler.isAssembling)
            #expect(reassembler.openTransaction == 0x05)
        }
        #expect(try reassembler.receive(Self.fragments[5]) == Self.frame)
        #expect(!reassembler.isAssembling)
        #expect(reassembler.openTransaction == nil)
    }

    @Test(arguments: [[0, 2, 1, 3, 4, 5], [0, 1, 3], [0, 5], [0, 2]])
    func rejectsFragmentsOutOfOrder(order: [Int]) {
        var reassembler = Self.reassembler()
        let result = Self.feed(order.map { Self.fragments[$0] }, to: &reassembler)
        #expect(result.frames.isEmpty)
        #expect(result.error == .outOfOrderFragment)
    }

    @Test(arguments: [[0, 0], [0, 1, 1], [0, 1, 2, 3, 3], [0, 1, 2, 3, 4, 5, 5]])
    func rejectsDuplicateFragments(order: [Int]) {
        var reassembler = Self.reassembler()
        let result = Self.feed(order.map { Self.fragments[$0] }, to: &reassembler)
        #expect(result.error == .duplicateFragment)
        #expect(result.frames.count == (order.count == 7 ? 1 : 0))
    }

    @Test func rejectsAContinuationThatBelongsToNoMessage() {
        var reassembler = Self.reassembler()
        #expect(Self.feed([Self.fragments[1]], to: &reassembler).error == .outOfOrderFragment)
    }

    @Test func rejectsANewMessageBeforeTheOpenOneIsWhole() {
        var reassembler = Self.reassembler()
        let other = (try? LinkFragmenter(fragmentSize: 20).fragments(try LinkMessage.powerOn.frame(transaction: 6))) ?? []
        let result = Self.feed([Self.fragments[0], Self.fragments[1]] + other, to: &reassembler)
        #expect(result.error == .interleavedMessage)
        #expect(result.frames.isEmpty)
    }

    @Test(arguments: [
        ("", LinkError.Code.truncatedFragment), ("82", .truncatedFragment), ("82 05", .truncatedFragment),
        ("82 05 00", .truncatedFragment), ("82 05 03 E9", .messageTooLong), ("82 05 FF FF 00", .messageTooLong),
        ("82 05 00 02 01 02 03", .oversizeFragment),
        ("82 05 00 80 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10", .oversizeFragment),
        ("00 01", .outOfOrderFragment),
    ])
    func rejectsMalformedFragmentsAlone(fragment: String, code: LinkError.Code) {
        var reassembler = Self.reassembler()
        #expect(Self.feed([hex(fragment)], to: &reassembler).error == code)
    }

    @Test func rejectsAContinuationWithoutData() {
        var reassembler = Self.reassembler()
        #expect(Self.feed([Self.fragments[0], [0x00]], to: &reassembler).error == .truncatedFragment)
    }

    @Test func rejectsAContinuationPastTheMessagesLength() {
        var reassembler = Self.reassembler()
        var last = Self.fragments[5]
        last.append(0xEE)
        #expect(Self.feed(Array(Self.fragments[0...4]) + [last], to: &reassembler).error == .oversizeFragment)
    }

    @Test func rejectsAFragmentLongerThanTheFragmentSize() {
        var reassembler = Self.reassembler()
        var long = Self.fragments[1]
        long.append(0xEE)
        #expect(Self.feed([Self.fragments[0], long], to: &reassembler).error == .oversizeFragment)
    }

    @Test func acceptsAMessageExactlyAtItsLimitAndNoLonger() throws {
        var reassembler = LinkReassembler(fragmentSize: 512, maximumMessageLength: 600)
        let fragmenter = LinkFragmenter(fragmentSize: 512)
        let fits = LinkFrame(command: .ping, transaction: 1, payload: LinkFragmenterTests.payload(600))
        #expect(Self.feed(try fragmenter.fragments(fits), to: &reassembler).frames == [fits])
        let over = LinkFrame(command: .ping, transaction: 2, payload: LinkFragmenterTests.payload(601))
        #expect(Self.feed(try fragmenter.fragments(over), to: &reassembler).error == .messageTooLong)
    }

    /// Every way the stream can stop short: each prefix of the fragments, with its last fragment cut at every
    /// length. None of them may deliver the message; cuts inside a header are errors.
    @Test func neverDeliversATruncatedMessage() {
        for count in 1...Self.fragments.count {
            let last = Self.fragments[count - 1]
            for cut in 0...last.count {
                if count == Self.fragments.count, cut == last.count { continue }
                var reassembler = Self.reassembler()
                let stream = Array(Self.fragments.prefix(count - 1)) + [Array(last.prefix(cut))]
                let result = Self.feed(stream, to: &reassembler)
                #expect(result.frames.isEmpty, "\(count) fragments, the last cut to \(cut) bytes")
                let headerLength = count == 1 ? 4 : 2
                if cut < headerLength {
                    #expect(result.error == .truncatedFragment, "\(count) fragments, the last cut to \(cut) bytes")
                } else {
                    #expect(result.error == nil)
                    #expect(reassembler.isAssembling)
                }
            }
        }
    }

    @Test func discardsTheRestOfABrokenMessageQuietlyThenReadsTheNextOne() throws {
        var reassembler = Self.reassembler()
        let result = Self.feed([Self.fragments[0], Self.fragments[2]], to: &reassembler)
        #expect(result.error == .outOfOrderFragment)
        for fragment in Self.fragments[3...5] {
            #expect(try reassembler.receive(fragment) == nil)
        }
        #expect(Self.feed(Self.fragments, to: &reassembler).frames == [Self.frame])
    }

    @Test func abandonsAPartialMessageAndDiscardsItsLateFragmentsQuietly() throws {
        var reassembler = Self.reassembler()
        _ = try reassembler.receive(Self.fragments[0])
        let cutShort = reassembler.abandon()
        let cutAgain = reassembler.abandon()
        #expect(cutShort)
        #expect(!cutAgain)
        #expect(Self.feed(Array(Self.fragments[1...]), to: &reassembler) == ([], nil))
        #expect(Self.feed(Self.fragments, to: &reassembler).frames == [Self.frame])
    }

    /// The smallest fragments a sender can make: one byte of data each, so the sequence number wraps 7 times.
    @Test func takesADripFeedOfOneDataByteAFragment() throws {
        let payload = LinkFragmenterTests.payload(1000)
        var fragments: [[UInt8]] = [[0x92, 0x09, 0x03, 0xE8, payload[0]]]
        for (index, byte) in payload.dropFirst().enumerated() {
            fragments.append([UInt8(index % 128), byte])
        }
        var reassembler = Self.reassembler()
        let result = Self.feed(fragments, to: &reassembler)
        #expect(result.error == nil)
        #expect(result.frames == [LinkFrame(command: .response, transaction: 0x09, payload: payload)])
    }

    @Test func readsBackToBackMessagesInOneStream() throws {
        let fragmenter = LinkFragmenter(fragmentSize: 20)
        let frames = (0..<20).map { LinkFrame(command: .apdu, transaction: UInt8($0 + 1), payload: LinkFragmenterTests.payload($0 * 37)) }
        var reassembler = Self.reassembler()
        let stream = try frames.flatMap { try fragmenter.fragments($0) }
        #expect(Self.feed(stream, to: &reassembler).frames == frames)
    }
}
