import Link
import PivlinkTesting
import Testing

/// The station's and the card's machines pumped into each other (Support/LinkLoopback.swift), with a card stub
/// that echoes APDUs after a delay and a fake clock.
struct LinkLoopbackTests {
    static let mtus = [23, 185, 247, 517]

    static func apdu(_ length: Int) -> [UInt8] {
        [0x00, 0xCB, 0x3F, 0xFF] + LinkFragmenterTests.payload(length - 4)
    }

    @Test(arguments: mtus)
    func exchangesAPDUsOfEverySizeUpToTheLargest(mtu: Int) throws {
        let loopback = try LinkLoopback(mtu: mtu)
        for length in [4, 5, 16, 17, 100, 261, 1000, 4096, LinkFrame.maximumPayloadLength - 2] {
            let command = Self.apdu(length)
            #expect(loopback.exchange(.apdu(command)) == .deliver(.response(command + [0x90, 0x00])), "\(length) bytes at MTU \(mtu)")
        }
        #expect(loopback.processed.count == 9)
    }

    @Test(arguments: mtus)
    func answersEveryRequestKind(mtu: Int) throws {
        let loopback = try LinkLoopback(mtu: mtu)
        #expect(loopback.exchange(.powerOn) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.exchange(.reset) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.exchange(.ping(LinkFragmenterTests.payload(700))) == .deliver(.pong(LinkFragmenterTests.payload(700))))
        #expect(loopback.exchange(.getCredentialVersion) == .deliver(.credentialVersion(1)))
        loopback.card.credentialVersion = 2
        #expect(loopback.exchange(.getCredentialVersion) == .deliver(.credentialVersion(2)))
        #expect(loopback.exchange(.powerOff) == .deliver(.poweredOff))
        #expect(loopback.processed == [.powerOn, .reset, .getCredentialVersion, .getCredentialVersion, .powerOff])
    }

    /// Fragments cross one per 7.5 ms (a fast connection interval) at MTU 23: a 2 KB APDU takes 106 fragments each
    /// way, about 0.8 s, and the station waits on as long as fragments keep coming.
    @Test func dripFeedsAt23WithLinkLatency() throws {
        let loopback = try LinkLoopback(mtu: 23, fragmentLatency: .microseconds(7500))
        let command = Self.apdu(2000)
        #expect(loopback.exchange(.apdu(command)) == .deliver(.response(command + [0x90, 0x00])))
        #expect(loopback.now == .microseconds(7500) * (106 + 106))
    }

    @Test func keepsASlowCardAliveWithKeepalivesAtMost500MillisecondsApart() throws {
        let loopback = try LinkLoopback(mtu: 185, card: .init(delay: .seconds(7)), fragmentLatency: .milliseconds(30))
        #expect(loopback.exchange(.apdu(Self.apdu(300))) == .deliver(.response(Self.apdu(300) + [0x90, 0x00])))
        let gaps = zip(loopback.keepalives.dropFirst(), loopback.keepalives).map { $0 - $1 }
        #expect(loopback.keepalives.count == 17)
        #expect(gaps.allSatisfy { $0 <= .milliseconds(500) })
    }

    @Test func cancelsAndFailsARequestPastTheTransactionTimeout() throws {
        let loopback = try LinkLoopback(mtu: 247, card: .init(delay: .seconds(30)), station: .init(transactionTimeout: .seconds(5)))
        guard case .fail(let error) = loopback.exchange(.apdu(Self.apdu(10))) else {
            Issue.record("the request did not fail")
            return
        }
        #expect(error.code == .timeout)
        #expect(loopback.now == .seconds(5))
        #expect(loopback.run(until: { !$0.peripheral.isProcessing }, deadline: .seconds(6)))
        #expect(loopback.cancellations == 1)
        loopback.card.delay = .zero
        #expect(loopback.exchange(.powerOff) == .deliver(.poweredOff))
    }

    @Test func cancelStopsACardThatCanStop() throws {
        let loopback = try LinkLoopback(mtu: 517, card: .init(delay: .seconds(1)))
        loopback.send(.apdu(Self.apdu(10)))
        loopback.run(to: .milliseconds(300))
        loopback.cancel()
        guard case .fail(let error) = loopback.lastOutcome else {
            Issue.record("cancel did not fail the request")
            return
        }
        #expect(error.code == .cancelled)
        #expect(loopback.run(until: { !$0.peripheral.isProcessing }, deadline: .milliseconds(400)))
        #expect(loopback.exchange(.powerOn) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.outcomes.count == 2)
    }

    /// A card that cannot stop finishes its request; the next one meets BUSY and goes again once the card is free.
    @Test func retriesARequestThatMetABusyCard() throws {
        let loopback = try LinkLoopback(mtu: 23, card: .init(delay: .seconds(1), stopsOnCancel: false))
        loopback.send(.apdu(Self.apdu(10)))
        loopback.run(to: .milliseconds(300))
        loopback.cancel()
        loopback.card.delay = .zero
        #expect(loopback.exchange(.powerOn) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.now >= .seconds(1))
        #expect(loopback.now < .milliseconds(1150))
        #expect(loopback.processed == [.apdu(Self.apdu(10)), .powerOn])
    }

    /// The link drops while the card works: the station fails the APDU as card removed, and after the reconnect the
    /// APDU is not run again. The card is busy until it finishes the orphaned APDU, whose answer goes nowhere.
    @Test(arguments: mtus)
    func neverReplaysAnAPDUAcrossAReconnect(mtu: Int) throws {
        let loopback = try LinkLoopback(mtu: mtu, card: .init(delay: .seconds(1)), fragmentLatency: .milliseconds(10))
        let command = Self.apdu(600)
        loopback.send(.apdu(command))
        loopback.run(to: .milliseconds(500))
        loopback.disconnect()
        guard case .fail(let error) = loopback.lastOutcome else {
            Issue.record("the APDU in flight did not fail")
            return
        }
        #expect(error.code == .cardRemoved)
        loopback.run(to: .milliseconds(600))
        try loopback.connect(mtu: mtu)
        loopback.card.delay = .zero
        #expect(loopback.exchange(.powerOn) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.now >= .seconds(1), "the card took POWER_ON before it had finished the orphaned APDU")
        #expect(loopback.processed == [.apdu(command), .powerOn])
        #expect(loopback.exchange(.apdu(Self.apdu(8))) == .deliver(.response(Self.apdu(8) + [0x90, 0x00])))
    }

    @Test func dropsARequestCutOffByADisconnectMidFragments() throws {
        let loopback = try LinkLoopback(mtu: 23, fragmentLatency: .milliseconds(10))
        loopback.send(.apdu(Self.apdu(500)))
        loopback.run(to: .milliseconds(105))
        loopback.disconnect()
        try loopback.connect(mtu: 23)
        #expect(loopback.exchange(.reset) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.processed == [.reset])
        #expect(loopback.outcomes.count == 2)
    }

    /// EATT can deliver writes out of order; the card must refuse the message rather than run a scrambled APDU.
    @Test func refusesARequestReorderedOnTheWay() throws {
        let loopback = try LinkLoopback(mtu: 23)
        loopback.reorderToCard = { fragments in
            guard fragments.count > 3 else { return fragments }
            var swapped = fragments
            swapped.swapAt(1, 2)
            return swapped
        }
        guard case .fail(let error) = loopback.exchange(.apdu(Self.apdu(100))) else {
            Issue.record("a reordered request was answered")
            return
        }
        #expect(error.code == .rejectedByPeer)
        #expect(error.peerCode == .invalidSequence)
        #expect(loopback.processed.isEmpty)
        #expect(loopback.exchange(.powerOff) == .deliver(.poweredOff))
    }

    @Test func failsARequestTheCardsLimitRefusesWithoutSendingIt() throws {
        let loopback = try LinkLoopback(mtu: 185, info: LinkInfo(maximumMessage: 1024))
        guard case .fail(let error) = loopback.exchange(.apdu(Self.apdu(1025))) else {
            Issue.record("an oversize request was sent")
            return
        }
        #expect(error.code == .messageTooLong)
        #expect(loopback.processed.isEmpty)
        #expect(loopback.exchange(.apdu(Self.apdu(1022))) == .deliver(.response(Self.apdu(1022) + [0x90, 0x00])))
        guard case .fail(let tooLong) = loopback.exchange(.apdu(Self.apdu(1023))) else {
            Issue.record("an answer over the card's limit was delivered")
            return
        }
        #expect(tooLong.peerCode == .invalidLength)
    }
}
