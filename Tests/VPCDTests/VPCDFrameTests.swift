import PivlinkTesting
import Testing
import VPCD

struct VPCDFrameTests {
    @Test func prefixesTheBigEndianLength() throws {
        #expect(try VPCDFrame.encode([0x04]) == [0x00, 0x01, 0x04])
        #expect(try VPCDFrame.encode(hex("6a 82")) == hex("00 02 6a 82"))
        let payload = [UInt8](repeating: 0x5A, count: 0x1234)
        #expect(try VPCDFrame.encode(payload) == [0x12, 0x34] + payload)
    }

    @Test func encodesTheLargestPayload() throws {
        let payload = [UInt8](repeating: 0xA5, count: 0xFFFF)
        let frame = try VPCDFrame.encode(payload)
        #expect(frame.count == 0xFFFF + 2)
        #expect(Array(frame.prefix(2)) == [0xFF, 0xFF])
    }

    @Test func refusesAnEmptyPayload() {
        #expect(throws: VPCDError.self) { try VPCDFrame.encode([]) }
        #expect(encodingError([])?.code == .emptyPayload)
    }

    @Test func refusesAPayloadTheLengthCannotCarry() {
        #expect(encodingError([UInt8](repeating: 0, count: 0x10000))?.code == .payloadTooLong)
    }

    private func encodingError(_ payload: [UInt8]) -> VPCDError? {
        do {
            _ = try VPCDFrame.encode(payload)
            return nil
        } catch {
            return error
        }
    }
}
