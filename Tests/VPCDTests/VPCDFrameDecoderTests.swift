import PivlinkTesting
import Testing
import VPCD

struct VPCDFrameDecoderTests {
    /// A session as vpcd opens it (see research/piv-apdu-trace.txt): GET ATR, power on, GET ATR, power off,
    /// power on, then a SELECT of the PIV application.
    static let session: [VPCDMessage] = [
        .getATR, .powerOn, .getATR, .powerOff, .powerOn,
        .apdu(hex("00 a4 04 00 09 a0 00 00 03 08 00 00 10 00 00")),
        .apdu(hex("00 cb 3f ff 05 5c 03 5f c1 07 00")),
        .reset,
    ]

    static var sessionBytes: [UInt8] {
        session.flatMap { message in
            // Frames of test messages are never empty or oversized.
            (try? VPCDFrame.encode(message.payload)) ?? []
        }
    }

    @Test func decodesAStreamFedOneByteAtATime() throws {
        var decoder = VPCDFrameDecoder()
        var messages: [VPCDMessage] = []
        for byte in Self.sessionBytes {
            try decoder.decode([byte]) { messages.append($0) }
        }
        #expect(messages == Self.session)
        #expect(!decoder.hasPartialMessage)
    }

    @Test func decodesAStreamFedInOneChunk() throws {
        var decoder = VPCDFrameDecoder()
        var messages: [VPCDMessage] = []
        try decoder.decode(Self.sessionBytes) { messages.append($0) }
        #expect(messages == Self.session)
    }

    @Test(arguments: [2, 3, 7, 23, 64])
    func decodesAStreamFedInChunksThatSplitFrames(chunkSize: Int) throws {
        var decoder = VPCDFrameDecoder()
        var messages: [VPCDMessage] = []
        let bytes = Self.sessionBytes
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            try decoder.decode(bytes[start..<min(start + chunkSize, bytes.count)]) { messages.append($0) }
        }
        #expect(messages == Self.session)
    }

    @Test func everyTruncatedPrefixYieldsNoMessageUntilTheFrameIsComplete() throws {
        let command = hex("00 20 00 80 08 31 32 33 34 35 36 ff ff")
        let frame = try VPCDFrame.encode(command)
        for length in 0..<frame.count {
            var decoder = VPCDFrameDecoder()
            var messages: [VPCDMessage] = []
            try decoder.decode(frame.prefix(length)) { messages.append($0) }
            #expect(messages.isEmpty, "prefix of \(length) bytes")
            #expect(decoder.hasPartialMessage == (length > 0), "prefix of \(length) bytes")
            try decoder.decode(frame.dropFirst(length)) { messages.append($0) }
            #expect(messages == [.apdu(command)], "prefix of \(length) bytes")
        }
    }

    @Test func decodesTheLargestFrame() throws {
        let command = [UInt8](repeating: 0x42, count: 0xFFFF)
        var decoder = VPCDFrameDecoder()
        var messages: [VPCDMessage] = []
        try decoder.decode(try VPCDFrame.encode(command)) { messages.append($0) }
        #expect(messages == [.apdu(command)])
    }

    @Test func rejectsAZeroLengthFrameAfterDeliveringTheMessagesBeforeIt() {
        var decoder = VPCDFrameDecoder()
        var messages: [VPCDMessage] = []
        let error = decodingError(&decoder, hex("0001 01 0000 0001 04")) { messages.append($0) }
        #expect(error?.code == .zeroLengthMessage)
        #expect(messages == [.powerOn])
    }

    @Test func staysFailedAfterAnError() {
        var decoder = VPCDFrameDecoder()
        _ = decodingError(&decoder, [0x00, 0x00]) { _ in }
        var messages: [VPCDMessage] = []
        let error = decodingError(&decoder, hex("0001 04")) { messages.append($0) }
        #expect(error?.code == .zeroLengthMessage)
        #expect(messages.isEmpty)
    }

    @Test func rejectsAZeroLengthFrameFedOneByteAtATime() {
        var decoder = VPCDFrameDecoder()
        #expect(decodingError(&decoder, [0x00]) { _ in } == nil)
        #expect(decodingError(&decoder, [0x00]) { _ in }?.code == .zeroLengthMessage)
    }

    private func decodingError(
        _ decoder: inout VPCDFrameDecoder,
        _ bytes: [UInt8],
        deliver: (VPCDMessage) -> Void
    ) -> VPCDError? {
        do {
            try decoder.decode(bytes, deliver: deliver)
            return nil
        } catch {
            return error
        }
    }
}
