import PivlinkTesting
import Testing
@testable import VPCD

struct VPCDMessageTests {
    @Test(arguments: [
        (UInt8(0x00), VPCDMessage.powerOff),
        (0x01, .powerOn),
        (0x02, .reset),
        (0x04, .getATR),
        (0x03, .unknownControl(0x03)),
        (0xFF, .unknownControl(0xFF)),
    ])
    func oneBytePayloadsAreControlCodes(code: UInt8, message: VPCDMessage) {
        #expect(VPCDMessage(nonEmptyPayload: [code]) == message)
        #expect(message.payload == [code])
    }

    @Test func longerPayloadsAreAPDUs() {
        let command = hex("00 a4 04 00 09 a0 00 00 03 08 00 00 10 00 00")
        #expect(VPCDMessage(nonEmptyPayload: command) == .apdu(command))
        #expect(VPCDMessage.apdu(command).payload == command)
        // Two bytes are the shortest APDU-shaped payload; even "00 01" is not a control code.
        #expect(VPCDMessage(nonEmptyPayload: [0x00, 0x01]) == .apdu([0x00, 0x01]))
    }
}
