@_spi(Plaintext) import Link
import PivlinkTesting
import Testing

struct LinkPeripheralStateMachineTests {
    static let select = LinkCentralStateMachineTests.select
    static let selected = LinkCentralStateMachineTests.selected

    static func connected(info: LinkInfo = LinkInfo()) throws -> LinkPeripheralStateMachine {
        var peripheral = LinkPeripheralStateMachine(info: info)
        #expect(try peripheral.connect(mtu: 23, security: .plaintext, now: .zero) == [])
        return peripheral
    }

    static func receive(_ fragments: [[UInt8]], by peripheral: inout LinkPeripheralStateMachine, at now: Duration) -> [LinkPeripheralAction] {
        fragments.flatMap { peripheral.receive(fragment: $0, now: now) }
    }

    /// The single-fragment ERROR the card sends.
    static func error(_ code: LinkErrorCode, transaction: UInt8) -> LinkPeripheralAction {
        .send([LinkWire.fragment(.error(code), transaction: transaction)])
    }

    @Test func handsTheRequestToTheCardAndAnswersUnderItsTransaction() throws {
        var peripheral = try Self.connected()
        let request = LinkWire.fragments(Self.select, transaction: 0x21)
        #expect(peripheral.receive(fragment: request[0], now: .zero) == [.process(Self.select), .armTimer(at: .milliseconds(400))])
        #expect(peripheral.isProcessing)
        #expect(peripheral.finish(Self.selected, now: .milliseconds(30)) == [
            .send(LinkWire.fragments(Self.selected, transaction: 0x21)), .disarmTimer,
        ])
        #expect(!peripheral.isProcessing)
    }

    @Test func sendsAKeepaliveEveryIntervalWhileTheCardWorks() throws {
        var peripheral = try Self.connected()
        _ = Self.receive(LinkWire.fragments(Self.select, transaction: 3), by: &peripheral, at: .zero)
        let keepalive = LinkPeripheralAction.send([hex("BB 03 00 01 01")])
        #expect(peripheral.handleTimer(now: .milliseconds(399)) == [])
        #expect(peripheral.handleTimer(now: .milliseconds(400)) == [keepalive, .armTimer(at: .milliseconds(800))])
        // A late timer: the next keepalive counts from when this one went out, so none come in a burst.
        #expect(peripheral.handleTimer(now: .milliseconds(850)) == [keepalive, .armTimer(at: .milliseconds(1250))])
        #expect(peripheral.finish(Self.selected, now: .milliseconds(900)).last == .disarmTimer)
        #expect(peripheral.handleTimer(now: .seconds(2)) == [])
    }

    @Test func neverLetsTheKeepaliveIntervalExceed500Milliseconds() {
        #expect(LinkPeripheralStateMachine.Configuration.maximumKeepaliveInterval == .milliseconds(500))
        #expect(LinkPeripheralStateMachine.Configuration().keepaliveInterval <= .milliseconds(500))
    }

    @Test func answersBusyToASecondRequestWithoutRunningIt() throws {
        var peripheral = try Self.connected()
        _ = Self.receive(LinkWire.fragments(Self.select, transaction: 1), by: &peripheral, at: .zero)
        #expect(peripheral.receive(fragment: LinkWire.fragment(.powerOff, transaction: 2), now: .milliseconds(10))
            == [Self.error(.busy, transaction: 2)])
        #expect(peripheral.receive(fragment: LinkWire.fragment(.ping([1]), transaction: 3), now: .milliseconds(10))
            == [Self.error(.busy, transaction: 3)])
        #expect(peripheral.finish(Self.selected, now: .milliseconds(20)).first == .send(LinkWire.fragments(Self.selected, transaction: 1)))
    }

    @Test func answersPingItselfAtAnyLength() throws {
        var peripheral = try Self.connected()
        let payload = LinkFragmenterTests.payload(300)
        let actions = Self.receive(LinkWire.fragments(.ping(payload), transaction: 9), by: &peripheral, at: .zero)
        let sent = actions.filter { if case .send = $0 { true } else { false } }
        #expect(sent == [.send(LinkWire.fragments(.pong(payload), transaction: 9))])
        #expect(!peripheral.isProcessing)
        #expect(actions.last == .disarmTimer)
    }

    @Test func passesCancelForTheRequestInProgressOnce() throws {
        var peripheral = try Self.connected()
        _ = Self.receive(LinkWire.fragments(Self.select, transaction: 4), by: &peripheral, at: .zero)
        #expect(peripheral.receive(fragment: LinkWire.fragment(.cancel, transaction: 5), now: .zero) == [])
        #expect(peripheral.receive(fragment: LinkWire.fragment(.cancel, transaction: 4), now: .zero) == [.cancelProcessing])
        #expect(peripheral.receive(fragment: LinkWire.fragment(.cancel, transaction: 4), now: .zero) == [])
        #expect(peripheral.finish(.error(.cancelled), now: .zero).first == Self.error(.cancelled, transaction: 4))
        #expect(peripheral.receive(fragment: LinkWire.fragment(.cancel, transaction: 4), now: .zero) == [])
    }

    @Test func reportsFragmentErrorsUnderTheTransactionTheyHit() throws {
        var peripheral = try Self.connected()
        let request = LinkWire.fragments(.apdu(LinkFragmenterTests.payload(100)), transaction: 7)
        #expect(peripheral.receive(fragment: request[0], now: .zero) == [.armTimer(at: .milliseconds(1500))])
        #expect(peripheral.receive(fragment: request[2], now: .zero) == [Self.error(.invalidSequence, transaction: 7), .disarmTimer])
        #expect(Self.receive(Array(request[3...]), by: &peripheral, at: .zero) == [])
        _ = peripheral.receive(fragment: request[0], now: .zero)
        #expect(peripheral.receive(fragment: LinkWire.fragment(.powerOn, transaction: 8), now: .zero)
            == [Self.error(.invalidSequence, transaction: 8), .disarmTimer])
        #expect(peripheral.receive(fragment: request[1], now: .zero) == [])
        #expect(peripheral.receive(fragment: hex("05 00"), now: .zero) == [])
        _ = peripheral.receive(fragment: LinkWire.fragment(.powerOn, transaction: 9), now: .zero)
        _ = peripheral.finish(.atr(hex("3B 00")), now: .zero)
        #expect(peripheral.receive(fragment: hex("05 00"), now: .zero) == [Self.error(.invalidSequence, transaction: 0)])
        #expect(peripheral.receive(fragment: hex("82"), now: .zero) == [Self.error(.invalidLength, transaction: 0)])
    }

    @Test func timesOutAMessageWhoseFragmentsStop() throws {
        var peripheral = try Self.connected()
        let request = LinkWire.fragments(.apdu(LinkFragmenterTests.payload(100)), transaction: 0x33)
        _ = peripheral.receive(fragment: request[0], now: .zero)
        #expect(peripheral.receive(fragment: request[1], now: .seconds(1)) == [.armTimer(at: .milliseconds(2500))])
        #expect(peripheral.handleTimer(now: .seconds(2)) == [])
        #expect(peripheral.handleTimer(now: .milliseconds(2500)) == [Self.error(.timeout, transaction: 0x33), .disarmTimer])
        #expect(Self.receive(Array(request[2...]), by: &peripheral, at: .seconds(3)) == [])
        #expect(peripheral.receive(fragment: request[0], now: .seconds(3)) == [.armTimer(at: .milliseconds(4500))])
    }

    @Test(arguments: [
        (LinkMessage.pong([1]), LinkErrorCode.invalidCommand), (.keepalive(.processing), .invalidCommand),
        (.response(hex("90 00")), .invalidCommand), (.error(.busy), .invalidCommand),
    ])
    func refusesMessagesOnlyACardSends(message: LinkMessage, code: LinkErrorCode) throws {
        var peripheral = try Self.connected()
        #expect(Self.receive(LinkWire.fragments(message, transaction: 2), by: &peripheral, at: .zero) == [Self.error(code, transaction: 2)])
        #expect(!peripheral.isProcessing)
    }

    @Test func refusesMalformedMessagesAndTransaction0() throws {
        var peripheral = try Self.connected()
        #expect(peripheral.receive(fragment: hex("F0 02 00 00"), now: .zero) == [Self.error(.invalidCommand, transaction: 2)])
        #expect(peripheral.receive(fragment: hex("82 03 00 02 00 A4"), now: .zero) == [Self.error(.invalidParameter, transaction: 3)])
        #expect(peripheral.receive(fragment: hex("83 04 00 01 00"), now: .zero) == [Self.error(.invalidParameter, transaction: 4)])
        #expect(peripheral.receive(fragment: hex("83 00 00 00"), now: .zero) == [Self.error(.invalidParameter, transaction: 0)])
        #expect(!peripheral.isProcessing)
    }

    @Test func refusesAMessageOverTheCardsLimitAtItsFirstFragment() throws {
        var peripheral = try Self.connected(info: LinkInfo(maximumMessage: 300))
        let request = LinkWire.fragments(.apdu(LinkFragmenterTests.payload(301)), transaction: 6)
        #expect(Self.receive(request, by: &peripheral, at: .zero) == [Self.error(.invalidLength, transaction: 6)])
    }

    @Test func dropsTheAnswerOfARequestWhoseLinkWentDownAndStaysBusyUntilIt() throws {
        var peripheral = try Self.connected()
        _ = Self.receive(LinkWire.fragments(Self.select, transaction: 1), by: &peripheral, at: .zero)
        #expect(peripheral.connectionLost(now: .milliseconds(100)) == [.disarmTimer])
        #expect(peripheral.handleTimer(now: .seconds(1)) == [])
        #expect(try peripheral.connect(mtu: 517, security: .plaintext, now: .seconds(1)) == [])
        #expect(peripheral.receive(fragment: LinkWire.fragment(.powerOn, transaction: 1), now: .seconds(1))
            == [Self.error(.busy, transaction: 1)])
        #expect(peripheral.finish(Self.selected, now: .seconds(2)) == [])
        #expect(peripheral.receive(fragment: LinkWire.fragment(.powerOn, transaction: 2), now: .seconds(2))
            == [.process(.powerOn), .armTimer(at: .milliseconds(2400))])
    }

    @Test func dropsAPartialMessageWhenTheLinkGoesDown() throws {
        var peripheral = try Self.connected()
        let request = LinkWire.fragments(.apdu(LinkFragmenterTests.payload(100)), transaction: 7)
        _ = peripheral.receive(fragment: request[0], now: .zero)
        #expect(peripheral.connectionLost(now: .zero) == [.disarmTimer])
        _ = try peripheral.connect(mtu: 23, security: .plaintext, now: .zero)
        #expect(peripheral.receive(fragment: request[1], now: .zero) == [Self.error(.invalidSequence, transaction: 0)])
        #expect(peripheral.receive(fragment: [0x82], now: .zero) == [Self.error(.invalidLength, transaction: 0)])
        var unconnected = LinkPeripheralStateMachine()
        #expect(unconnected.receive(fragment: request[0], now: .zero) == [])
    }

    @Test func sendsAnErrorForAnAnswerTheLinkCannotCarry() throws {
        var peripheral = try Self.connected(info: LinkInfo(maximumMessage: 300))
        _ = peripheral.receive(fragment: LinkWire.fragment(.apdu(hex("00 CB 3F FF")), transaction: 1), now: .zero)
        #expect(peripheral.finish(.response([UInt8](repeating: 0x90, count: 301)), now: .zero).first == Self.error(.invalidLength, transaction: 1))
        _ = peripheral.receive(fragment: LinkWire.fragment(.apdu(hex("00 CB 3F FF")), transaction: 2), now: .zero)
        #expect(peripheral.finish(.response([0x90]), now: .zero).first == Self.error(.other, transaction: 2))
        _ = peripheral.receive(fragment: LinkWire.fragment(.powerOn, transaction: 3), now: .zero)
        #expect(peripheral.finish(.atr([UInt8](repeating: 0x3B, count: 34)), now: .zero).first == Self.error(.other, transaction: 3))
    }

    @Test func refusesAnMTUBelowTheBLEMinimum() {
        var peripheral = LinkPeripheralStateMachine()
        #expect(thrownCode { try peripheral.connect(mtu: 22, security: .plaintext, now: .zero) } == .mtuTooSmall)
    }
}
