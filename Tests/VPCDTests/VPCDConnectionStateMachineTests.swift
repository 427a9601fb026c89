import PivlinkTesting
import Testing
import VPCD

struct VPCDConnectionStateMachineTests {
    static let atr = hex("3b f9 18 00 00 81 31 fe 45 00 44 50 49 56 2d 45 58 50 81")
    static let select = hex("00 a4 04 00 09 a0 00 00 03 08 00 00 10 00 00")

    static func frame(_ message: VPCDMessage) -> [UInt8] {
        (try? VPCDFrame.encode(message.payload)) ?? []
    }

    @Test func answersGetATRItselfFromTheATRItWasGiven() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        let actions = machine.receive(bytes: Self.frame(.getATR))
        #expect(actions == [.send(try VPCDFrame.encode(Self.atr))])
        #expect(!machine.isAwaitingResponse)
    }

    @Test func turnsControlCodesIntoCardEvents() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        let bytes = [VPCDMessage.powerOn, .powerOff, .reset].flatMap(Self.frame)
        #expect(machine.receive(bytes: bytes) == [.powerOn, .powerOff, .reset])
    }

    @Test func ignoresControlCodesVPCDDoesNotDefine() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        let bytes = [VPCDMessage.unknownControl(0x03), .unknownControl(0x80), .powerOn].flatMap(Self.frame)
        #expect(machine.receive(bytes: bytes) == [.powerOn])
        #expect(!machine.isClosed)
    }

    @Test func passesAnAPDUToTheCardAndFramesItsReply() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        #expect(machine.receive(bytes: Self.frame(.apdu(Self.select))) == [.apdu(Self.select)])
        #expect(machine.isAwaitingResponse)
        let reply = hex("61 11 4f 06 00 00 10 00 01 00 79 07 4f 05 a0 00 00 03 08 90 00")
        let response = machine.sendResponse(reply)
        #expect(response?.bytes == (try VPCDFrame.encode(reply)))
        #expect(response?.substitution == nil)
        #expect(!machine.isAwaitingResponse)
        #expect(machine.receive(bytes: Self.frame(.getATR)) == [.send(try VPCDFrame.encode(Self.atr))])
    }

    @Test func runsARecordedSessionFedOneByteAtATime() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        var actions: [VPCDAction] = []
        for byte in VPCDFrameDecoderTests.sessionBytes {
            let batch = machine.receive(bytes: [byte])
            actions += batch
            if case .apdu = batch.last {
                _ = machine.sendResponse([0x90, 0x00])
            }
        }
        let atrFrame = VPCDAction.send(try VPCDFrame.encode(Self.atr))
        #expect(actions == [
            atrFrame, .powerOn, atrFrame, .powerOff, .powerOn,
            .apdu(Self.select), .apdu(hex("00 cb 3f ff 05 5c 03 5f c1 07 00")), .reset,
        ])
        #expect(!machine.isClosed)
    }

    @Test(arguments: [[UInt8](), [0x90]])
    func replacesAReplyWithoutStatusWordBy6F00(reply: [UInt8]) throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        _ = machine.receive(bytes: Self.frame(.apdu(Self.select)))
        let response = machine.sendResponse(reply)
        #expect(response?.bytes == hex("00 02 6f 00"))
        #expect(response?.substitution == .missingStatusWord(length: reply.count))
        #expect(response?.substitution?.description == "a \(reply.count)-byte reply has no status word")
    }

    @Test func replacesAReplyTooLongForTheLengthFieldBy6F00() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        _ = machine.receive(bytes: Self.frame(.apdu(Self.select)))
        let response = machine.sendResponse([UInt8](repeating: 0, count: 0x10000) + [0x90, 0x00])
        #expect(response?.bytes == hex("00 02 6f 00"))
        #expect(response?.substitution == .tooLong(length: 0x10002))
    }

    @Test func closesOnAMessageBeforeTheReplyToTheOutstandingAPDU() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        #expect(machine.receive(bytes: Self.frame(.apdu(Self.select))) == [.apdu(Self.select)])
        let actions = machine.receive(bytes: Self.frame(.getATR))
        #expect(closeCodes(actions) == [.unexpectedMessage])
        #expect(actions.count == 1)
        #expect(machine.isClosed)
        #expect(machine.sendResponse([0x90, 0x00]) == nil)
    }

    @Test func withdrawsAnAPDUWhenTheSameBatchEndsInClose() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        let pipelined = machine.receive(bytes: [.powerOn, .apdu(Self.select), .getATR].flatMap(Self.frame))
        #expect(pipelined.first == .powerOn)
        #expect(closeCodes(pipelined) == [.unexpectedMessage])
        #expect(pipelined.count == 2)

        var other = try VPCDConnectionStateMachine(atr: Self.atr)
        let corrupt = other.receive(bytes: Self.frame(.apdu(Self.select)) + [0x00, 0x00])
        #expect(closeCodes(corrupt) == [.zeroLengthMessage])
        #expect(corrupt.count == 1)
    }

    @Test func closesOnAZeroLengthFrameAfterTheEventsBeforeIt() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        let actions = machine.receive(bytes: Self.frame(.powerOn) + [0x00, 0x00] + Self.frame(.powerOff))
        #expect(actions.first == .powerOn)
        #expect(closeCodes(actions) == [.zeroLengthMessage])
        #expect(actions.count == 2)
    }

    @Test func readsNothingAfterClosing() throws {
        var machine = try VPCDConnectionStateMachine(atr: Self.atr)
        _ = machine.receive(bytes: [0x00, 0x00])
        #expect(machine.isClosed)
        #expect(machine.receive(bytes: Self.frame(.getATR)).isEmpty)
    }

    @Test(arguments: [0, 1, 34])
    func refusesAnATRVPCDCannotCarry(length: Int) {
        #expect {
            _ = try VPCDConnectionStateMachine(atr: [UInt8](repeating: 0x3B, count: length))
        } throws: { error in
            (error as? VPCDError)?.code == .invalidATR
        }
    }

    @Test(arguments: [2, 33])
    func acceptsATRsOfTheAllowedLengths(length: Int) throws {
        var machine = try VPCDConnectionStateMachine(atr: [UInt8](repeating: 0x3B, count: length))
        #expect(machine.receive(bytes: Self.frame(.getATR)).count == 1)
    }

    private func closeCodes(_ actions: [VPCDAction]) -> [VPCDError.Code] {
        actions.compactMap { action in
            if case .close(let error) = action { error.code } else { nil }
        }
    }
}
