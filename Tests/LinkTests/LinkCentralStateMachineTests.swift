@_spi(Plaintext) import Link
import PivlinkTesting
import Testing

struct LinkCentralStateMachineTests {
    static let select = LinkMessage.apdu(hex("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"))
    static let selected = LinkMessage.response(hex("61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 90 00"))
    /// The first answer deadline of a one-fragment request: 2 s of silence allowed plus 15 ms for its fragment.
    static let firstDeadline = Duration.milliseconds(2015)

    static func connected(_ configuration: LinkCentralStateMachine.Configuration = .init(), info: LinkInfo = LinkInfo())
        throws -> LinkCentralStateMachine
    {
        var central = LinkCentralStateMachine(configuration: configuration)
        #expect(try central.connect(info: info, mtu: 23, security: .plaintext, now: .zero) == [])
        #expect(central.isReady)
        return central
    }

    /// Feeds card fragments; returns the actions of all of them.
    static func receive(_ fragments: [[UInt8]], by central: inout LinkCentralStateMachine, at now: Duration) -> [LinkCentralAction] {
        fragments.flatMap { central.receive(fragment: $0, now: now) }
    }

    @Test func writesTheRequestAndWaitsForTheAnswer() throws {
        var central = try Self.connected()
        #expect(central.send(Self.select, now: .zero) == [
            .send([hex("82 01 00 0F 00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00")]), .armTimer(at: Self.firstDeadline),
        ])
        #expect(central.isBusy)
        #expect(!central.isReady)
    }

    @Test func deliversTheAnswerAndMovesTheDeadlineWithEachFragment() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        let fragments = LinkWire.fragments(Self.selected, transaction: 1)
        #expect(central.receive(fragment: fragments[0], now: .milliseconds(300)) == [.armTimer(at: .milliseconds(2300))])
        #expect(central.receive(fragment: fragments[1], now: .milliseconds(310)) == [.deliver(Self.selected), .disarmTimer])
        #expect(central.isReady)
    }

    @Test func takesKeepalivesAsProgressAndWaitsOn() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        let keepalive = LinkWire.fragment(.keepalive(.processing), transaction: 1)
        #expect(central.receive(fragment: keepalive, now: .seconds(1)) == [.progress(.processing), .armTimer(at: .seconds(3))])
        #expect(central.handleTimer(now: Self.firstDeadline) == [])
        #expect(central.receive(fragment: keepalive, now: .milliseconds(2900)) == [.progress(.processing), .armTimer(at: .milliseconds(4900))])
        #expect(Self.receive(LinkWire.fragments(Self.selected, transaction: 1), by: &central, at: .seconds(4)).contains(.deliver(Self.selected)))
    }

    @Test func cancelsAndFailsARequestTheCardFallsSilentOn() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        #expect(central.handleTimer(now: .seconds(1)) == [])
        let actions = central.handleTimer(now: Self.firstDeadline)
        #expect(actions.count == 3)
        #expect(actions.first == .send([hex("BE 01 00 00")]))
        #expect(Self.failure(in: actions) == .timeout)
        #expect(actions.last == .disarmTimer)
        #expect(Self.receive(LinkWire.fragments(Self.selected, transaction: 1), by: &central, at: .seconds(3)) == [])
    }

    @Test func failsARequestAtItsFinalDeadlineWhateverTheKeepalives() throws {
        var central = try Self.connected(.init(transactionTimeout: .seconds(5)))
        _ = central.send(Self.select, now: .zero)
        let keepalive = LinkWire.fragment(.keepalive(.processing), transaction: 1)
        var now = Duration.zero
        while now < .milliseconds(4800) {
            now += .milliseconds(400)
            _ = central.receive(fragment: keepalive, now: now)
        }
        #expect(central.receive(fragment: keepalive, now: .milliseconds(4900)) == [.progress(.processing)])
        let actions = central.handleTimer(now: .seconds(5))
        #expect(Self.failure(in: actions) == .timeout)
        #expect(actions.first == .send([hex("BE 01 00 00")]))
    }

    @Test func dropsAnswersToOtherTransactions() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        #expect(Self.receive(LinkWire.fragments(Self.selected, transaction: 7), by: &central, at: .seconds(1)) == [])
        #expect(central.receive(fragment: LinkWire.fragment(.keepalive(.processing), transaction: 0), now: .seconds(1)) == [])
        #expect(central.isBusy)
        #expect(Self.receive(LinkWire.fragments(Self.selected, transaction: 1), by: &central, at: .seconds(1)).contains(.deliver(Self.selected)))
    }

    @Test func takesAnErrorWithoutTransactionAsTheAnswerToTheRequestInFlight() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        let actions = central.receive(fragment: LinkWire.fragment(.error(.invalidSequence), transaction: 0), now: .seconds(1))
        guard case .fail(let error) = actions.first else {
            Issue.record("no failure in \(actions)")
            return
        }
        #expect(error.code == .rejectedByPeer)
        #expect(error.peerCode == .invalidSequence)
    }

    @Test func sendsTheRequestAgainWithANewTransactionWhenTheCardIsBusy() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        #expect(central.receive(fragment: LinkWire.fragment(.error(.busy), transaction: 1), now: .milliseconds(50))
            == [.armTimer(at: .milliseconds(150))])
        #expect(central.handleTimer(now: .milliseconds(100)) == [])
        #expect(central.handleTimer(now: .milliseconds(150)) == [
            .send([hex("82 02 00 0F 00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00")]), .armTimer(at: .milliseconds(2165)),
        ])
        #expect(Self.receive(LinkWire.fragments(Self.selected, transaction: 1), by: &central, at: .milliseconds(200)) == [])
        #expect(Self.receive(LinkWire.fragments(Self.selected, transaction: 2), by: &central, at: .milliseconds(200)).contains(.deliver(Self.selected)))
    }

    @Test func failsAsBusyWhenTheCardStaysBusyToTheDeadline() throws {
        var central = try Self.connected(.init(transactionTimeout: .seconds(1)))
        _ = central.send(Self.select, now: .zero)
        var now = Duration.zero
        var transaction: UInt8 = 1
        var outcome: LinkError.Code?
        while outcome == nil, now < .seconds(2) {
            now += .milliseconds(10)
            let answer = central.receive(fragment: LinkWire.fragment(.error(.busy), transaction: transaction), now: now)
            outcome = Self.failure(in: answer)
            now += .milliseconds(100)
            if central.handleTimer(now: now).contains(where: { if case .send = $0 { true } else { false } }) {
                transaction += 1
            }
        }
        #expect(outcome == .busy)
        #expect(now < .seconds(1) + .milliseconds(200))
        #expect(transaction == 10)
    }

    @Test func cancelTellsTheCardAndFailsAtOnce() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        let actions = central.cancel(now: .milliseconds(10))
        #expect(actions.first == .send([hex("BE 01 00 00")]))
        #expect(Self.failure(in: actions) == .cancelled)
        #expect(actions.last == .disarmTimer)
        #expect(Self.receive(LinkWire.fragments(.error(.cancelled), transaction: 1), by: &central, at: .milliseconds(20)) == [])
        #expect(central.cancel(now: .milliseconds(30)) == [])
    }

    @Test func cancelDuringABusyBackoffSendsNothing() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        _ = central.receive(fragment: LinkWire.fragment(.error(.busy), transaction: 1), now: .milliseconds(5))
        let actions = central.cancel(now: .milliseconds(10))
        #expect(actions.count == 2)
        #expect(Self.failure(in: actions) == .cancelled)
        #expect(actions.last == .disarmTimer)
    }

    @Test func failsTheRequestInFlightAsCardRemovedAndNeverSendsItAgain() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        let lost = central.connectionLost(now: .milliseconds(500))
        #expect(Self.failure(in: lost) == .cardRemoved)
        #expect(lost.last == .disarmTimer)
        #expect(!central.isReady)
        #expect(central.handleTimer(now: .seconds(10)) == [])
        #expect(try central.connect(info: LinkInfo(), mtu: 185, security: .plaintext, now: .seconds(11)) == [])
        #expect(central.send(.powerOn, now: .seconds(12)).first == .send([hex("83 02 00 00")]))
    }

    @Test func reconnectingWithoutALossStillFailsTheRequestInFlight() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        #expect(Self.failure(in: try central.connect(info: LinkInfo(), mtu: 247, security: .plaintext, now: .seconds(1))) == .cardRemoved)
    }

    @Test func failsRequestsWhileDisconnected() throws {
        var central = LinkCentralStateMachine()
        #expect(Self.failure(in: central.send(.powerOn, now: .zero)) == .cardRemoved)
        #expect(central.receive(fragment: LinkWire.fragment(.poweredOff, transaction: 1), now: .zero) == [])
    }

    @Test func refusesACardItCannotSpeakWith() {
        var central = LinkCentralStateMachine()
        #expect(thrownCode { try central.connect(info: LinkInfo(versions: 2...2), mtu: 517, security: .plaintext, now: .zero) } == .unsupportedVersion)
        #expect(thrownCode { try central.connect(info: LinkInfo(), mtu: 20, security: .plaintext, now: .zero) } == .mtuTooSmall)
        #expect(!central.isReady)
    }

    @Test func failsAnAnswerThatDoesNotAnswerTheRequest() throws {
        var central = try Self.connected()
        _ = central.send(.ping(hex("01 02 03")), now: .zero)
        #expect(Self.failure(in: central.receive(fragment: LinkWire.fragment(.pong(hex("01 02")), transaction: 1), now: .zero)) == .unexpectedMessage)
        _ = central.send(.powerOn, now: .zero)
        #expect(Self.failure(in: central.receive(fragment: LinkWire.fragment(.poweredOff, transaction: 2), now: .zero)) == .unexpectedMessage)
        _ = central.send(.reset, now: .zero)
        #expect(Self.failure(in: central.receive(fragment: LinkWire.fragment(.powerOn, transaction: 3), now: .zero)) == .unexpectedMessage)
    }

    @Test func failsOnFragmentsItCannotRead() throws {
        var central = try Self.connected()
        _ = central.send(Self.select, now: .zero)
        let fragments = LinkWire.fragments(Self.selected, transaction: 1)
        #expect(Self.failure(in: central.receive(fragment: fragments[1], now: .zero)) == .outOfOrderFragment)
        _ = central.send(Self.select, now: .zero)
        #expect(Self.failure(in: central.receive(fragment: hex("96 02 00 01 00"), now: .zero)) == .invalidMessage)
        _ = central.send(Self.select, now: .zero)
        #expect(Self.failure(in: central.receive(fragment: hex("E0 03 00 00"), now: .zero)) == .unknownCommand)
    }

    @Test func deliversEveryKindOfAnswer() throws {
        var central = try Self.connected()
        let exchanges: [(LinkMessage, LinkMessage)] = [
            (.powerOn, .atr(hex("3B 80 80 01 01"))), (.reset, .atr(hex("3B 00"))), (.powerOff, .poweredOff),
            (.getCredentialVersion, .credentialVersion(42)), (.ping([]), .pong([])), (Self.select, Self.selected),
        ]
        for (index, (request, answer)) in exchanges.enumerated() {
            _ = central.send(request, now: .zero)
            let actions = Self.receive(LinkWire.fragments(answer, transaction: UInt8(index + 1)), by: &central, at: .zero)
            #expect(actions.contains(.deliver(answer)))
            #expect(central.isReady)
        }
    }

    @Test func refusesRequestsTheCardCouldNotTake() throws {
        var central = try Self.connected(info: LinkInfo(maximumMessage: 300))
        #expect(Self.failure(in: central.send(.apdu([UInt8](repeating: 0, count: 301)), now: .zero)) == .messageTooLong)
        #expect(Self.failure(in: central.send(.apdu(hex("00 A4")), now: .zero)) == .invalidMessage)
        #expect(central.isReady)
        #expect(central.send(.apdu([UInt8](repeating: 0, count: 300)), now: .zero).first != nil)
    }

    @Test func numbersTransactionsFrom1To255AndSkips0() throws {
        var central = try Self.connected()
        var seen: [UInt8] = []
        for _ in 0..<257 {
            guard case .send(let fragments) = central.send(.powerOff, now: .zero).first else { continue }
            seen.append(fragments[0][1])
            _ = central.receive(fragment: LinkWire.fragment(.poweredOff, transaction: fragments[0][1]), now: .zero)
        }
        #expect(seen == Array(1...255) + [1, 2])
    }

    static func failure(in actions: [LinkCentralAction]) -> LinkError.Code? {
        for action in actions {
            if case .fail(let error) = action { return error.code }
        }
        return nil
    }
}
