import Link
import PivlinkTesting
import Testing

struct LinkMessageTests {
    /// One message of every type, with the command byte and body docs/link-protocol.md gives for it.
    static let table: [(message: LinkMessage, command: UInt8, body: String)] = [
        (.ping(hex("01 02 03")), 0x81, "01 02 03"),
        (.apdu(hex("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00")), 0x82, "00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"),
        (.powerOn, 0x83, ""),
        (.powerOff, 0x84, ""),
        (.reset, 0x85, ""),
        (.getCredentialVersion, 0x86, ""),
        (.unpair, 0x87, ""),
        (.cancel, 0xBE, ""),
        (.pong(hex("01 02 03")), 0x91, "01 02 03"),
        (.response(hex("6A 82")), 0x92, "6A 82"),
        (.atr(hex("3B F9 18 00 00 81 31 FE 45 00 44 50 49 56 2D 45 58 50 81")), 0x93, "3B F9 18 00 00 81 31 FE 45 00 44 50 49 56 2D 45 58 50 81"),
        (.poweredOff, 0x94, ""),
        (.credentialVersion(0x0102_0304_0506_0708), 0x96, "01 02 03 04 05 06 07 08"),
        (.unpaired, 0x97, ""),
        (.error(.busy), 0xBF, "06"),
        (.keepalive(.processing), 0xBB, "01"),
    ]

    @Test(arguments: table.indices)
    func encodesAndDecodesEachMessageAsDocumented(index: Int) throws {
        let (message, command, body) = Self.table[index]
        #expect(message.command.rawValue == command)
        #expect(message.body == hex(body))
        let frame = try message.frame(transaction: 0x2A)
        #expect(frame == LinkFrame(command: LinkCommand(rawValue: command), transaction: 0x2A, payload: hex(body)))
        #expect(try LinkMessage(frame: frame) == message)
    }

    @Test func readsEmptyPingsAndTheLargestVersion() throws {
        #expect(try LinkMessage(command: .ping, body: []) == .ping([]))
        #expect(try LinkMessage(command: .credentialVersion, body: hex("FF FF FF FF FF FF FF FF")) == .credentialVersion(.max))
        #expect(LinkMessage.credentialVersion(0).body == hex("00 00 00 00 00 00 00 00"))
    }

    @Test func keepsErrorCodesAndKeepaliveStatusesItDoesNotKnow() throws {
        #expect(try LinkMessage(command: .error, body: [0x42]) == .error(LinkErrorCode(rawValue: 0x42)))
        #expect(try LinkMessage(command: .keepalive, body: [0x09]) == .keepalive(LinkKeepaliveStatus(rawValue: 0x09)))
        #expect(LinkErrorCode(rawValue: 0x42).description == "unknown error 42")
        #expect(LinkErrorCode.busy.description == "busy (06)")
    }

    @Test func refusesCommandsVersionOneDoesNotDefine() {
        let defined = Set(Self.table.map(\.command))
        for raw in UInt8(0)...UInt8.max where !defined.contains(raw) {
            #expect(thrownCode { try LinkMessage(command: LinkCommand(rawValue: raw), body: []) } == .unknownCommand)
        }
    }

    @Test(arguments: [
        (LinkCommand.apdu, "00 A4 04"), (.apdu, ""), (.response, "90"), (.response, ""), (.atr, "3B"),
        (.atr, String(repeating: "00 ", count: 34)), (.powerOn, "00"), (.powerOff, "00"), (.reset, "00"),
        (.getCredentialVersion, "00"), (.cancel, "01"), (.poweredOff, "00"),
        (.credentialVersion, "01 02 03 04 05 06 07"), (.credentialVersion, "01 02 03 04 05 06 07 08 09"),
        (.error, ""), (.error, "06 06"), (.keepalive, ""), (.keepalive, "01 01"),
    ])
    func refusesBodiesThatDoNotFitTheirCommand(command: LinkCommand, body: String) {
        #expect(thrownCode { try LinkMessage(command: command, body: hex(body)) } == .invalidMessage)
    }

    @Test func refusesEveryTruncatedPrefixOfAFixedLengthBody() {
        for message in [LinkMessage.credentialVersion(0x1122_3344_5566_7788), .error(.other), .keepalive(.processing),
                        .apdu(hex("00 CB 3F FF")), .response(hex("90 00")), .atr(hex("3B 00"))] {
            for length in 0..<message.body.count {
                let prefix = Array(message.body.prefix(length))
                #expect(thrownCode { try LinkMessage(command: message.command, body: prefix) } == .invalidMessage,
                        "\(message.command) cut to \(length) bytes")
            }
        }
    }

    @Test func doesNotFrameWhatTheReceiverWouldRefuse() {
        #expect(thrownCode { try LinkMessage.apdu(hex("00 A4")).frame(transaction: 1) } == .invalidMessage)
        #expect(thrownCode { try LinkMessage.response([]).frame(transaction: 1) } == .invalidMessage)
        let tooLong = LinkMessage.apdu([UInt8](repeating: 0, count: LinkFrame.maximumPayloadLength + 1))
        #expect(thrownCode { try tooLong.frame(transaction: 1) } == .messageTooLong)
        #expect((try? LinkMessage.apdu([UInt8](repeating: 0, count: LinkFrame.maximumPayloadLength)).frame(transaction: 1)) != nil)
    }

    @Test func tellsRequestsFromTheRest() {
        let requests = Self.table.map(\.message).filter(\.isRequest).map(\.command)
        #expect(requests == [.ping, .apdu, .powerOn, .powerOff, .reset, .getCredentialVersion, .unpair])
    }

    @Test func pairsEachRequestWithItsFinalAnswers() {
        let messages = Self.table.map(\.message)
        let answers: [LinkCommand: Set<LinkCommand>] = [
            .ping: [.pong, .error], .apdu: [.response, .error], .powerOn: [.atr, .error], .powerOff: [.poweredOff, .error],
            .reset: [.atr, .error], .getCredentialVersion: [.credentialVersion, .error], .unpair: [.unpaired, .error],
            .cancel: [],
        ]
        for request in messages {
            let expected = answers[request.command] ?? []
            let actual = Set(messages.filter { $0.isFinalAnswer(to: request) }.map(\.command))
            #expect(actual == expected, "answers to \(request.command)")
        }
        #expect(!LinkMessage.pong(hex("01 02")).isFinalAnswer(to: .ping(hex("01 02 03"))))
    }

    @Test func mapsEachFoundErrorToTheCodeTheCardSends() {
        let table: [(LinkError.Code, LinkErrorCode)] = [
            (.truncatedFragment, .invalidLength), (.oversizeFragment, .invalidLength), (.messageTooLong, .invalidLength),
            (.outOfOrderFragment, .invalidSequence), (.duplicateFragment, .invalidSequence),
            (.interleavedMessage, .invalidSequence), (.unknownCommand, .invalidCommand),
            (.unexpectedMessage, .invalidCommand), (.invalidMessage, .invalidParameter), (.timeout, .timeout),
            (.busy, .busy), (.cancelled, .cancelled), (.cardRemoved, .other),
        ]
        for (code, wire) in table {
            #expect(code.wireCode == wire, "\(code)")
        }
    }

    @Test func readsTheCardsErrorCodesAsStationErrors() {
        #expect(LinkError(reportedByPeer: .busy).code == .busy)
        #expect(LinkError(reportedByPeer: .cancelled).code == .cancelled)
        #expect(LinkError(reportedByPeer: .timeout).code == .timeout)
        let rejected = LinkError(reportedByPeer: .invalidSequence)
        #expect(rejected.code == .rejectedByPeer)
        #expect(rejected.peerCode == .invalidSequence)
        #expect(rejected.description == "the card rejected the request: invalid sequence (04)")
    }
}
