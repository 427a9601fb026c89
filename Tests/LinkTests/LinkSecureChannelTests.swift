import Crypto
import Link
import Testing

/// The secure channel between the machines (docs/link-protocol.md, "Secure channel"), pumped back to back with
/// real Noise keys (Support/LinkLoopback.swift): what crosses the link, and what each side does with frames that
/// are replayed, forged, cut short, sent in the clear or sent by a station the card does not know.
struct LinkSecureChannelTests {
    /// A VERIFY of PIN 123456 (padded with FF), whose bytes must never cross the link in the clear.
    static let verify: [UInt8] = [0x00, 0x20, 0x00, 0x80, 0x08] + Array("123456".utf8) + [0xFF, 0xFF]

    /// The command bytes of the initial fragments in `wire`.
    static func commands(_ wire: [[UInt8]]) -> [UInt8] {
        wire.compactMap { fragment in fragment.first.flatMap { $0 >= 0x80 ? $0 : nil } }
    }

    /// The code of a `.fail` or `.channelFailed`.
    static func code(_ action: LinkCentralAction?) -> LinkError.Code? {
        switch action {
        case .fail(let error)?, .channelFailed(let error)?: error.code
        default: nil
        }
    }

    static func code(_ action: LinkPeripheralAction?) -> LinkError.Code? {
        if case .channelFailed(let error)? = action { error.code } else { nil }
    }

    static func contains(_ wire: [[UInt8]], _ needle: [UInt8]) -> Bool {
        let bytes = wire.flatMap { $0 }
        return bytes.count >= needle.count && (0...(bytes.count - needle.count)).contains { Array(bytes[$0..<$0 + needle.count]) == needle }
    }

    @Test(arguments: LinkLoopbackTests.mtus)
    func opensWithTwoHandshakeFramesAndCarriesEveryRequestKindInRecords(mtu: Int) throws {
        let loopback = try LinkLoopback(mtu: mtu, security: .paired)
        #expect(loopback.stationChannel == [.channelOpen])
        // The card counts the station as connected only once its first record proves it holds the session's keys.
        #expect(loopback.cardChannel.isEmpty)
        #expect(loopback.central.isReady)
        #expect(loopback.exchange(.powerOn) == .deliver(.atr(LinkLoopback.CardStub.atr)))
        #expect(loopback.cardChannel == [.channelOpen(stationKey: loopback.keys.stationPublicKey)])
        #expect(loopback.exchange(.ping([1, 2, 3])) == .deliver(.pong([1, 2, 3])))
        #expect(loopback.exchange(.getCredentialVersion) == .deliver(.credentialVersion(1)))
        #expect(loopback.exchange(.apdu(Self.verify)) == .deliver(.response(Self.verify + [0x90, 0x00])))
        #expect(loopback.exchange(.powerOff) == .deliver(.poweredOff))
        #expect(Self.commands(loopback.wireToCard) == [0xA0] + Array(repeating: 0xA2, count: 5))
        #expect(Self.commands(loopback.wireToStation) == [0xA1] + Array(repeating: 0xA2, count: 5))
    }

    /// The handshake's two messages: 96 bytes of message 1 (e, sealed s, tag of the empty payload), 48 of message 2.
    @Test func handshakeMessagesHaveNoiseIKsLengths() throws {
        let loopback = try LinkLoopback(mtu: 517, security: .paired)
        #expect(loopback.wireToCard.first.map { Array($0.prefix(4)) } == [0xA0, 0x00, 0x00, 96])
        #expect(loopback.wireToStation.first.map { Array($0.prefix(4)) } == [0xA1, 0x00, 0x00, 48])
    }

    @Test func carriesTheLargestMessageARecordHolds() throws {
        let loopback = try LinkLoopback(mtu: 517, security: .paired)
        // 65535 bytes of record payload: the command byte and transaction id, the body, the header byte and the tag,
        // so a body of 65516 bytes: the largest response, to an APDU 2 bytes shorter.
        let command = LinkLoopbackTests.apdu(65516 - 2)
        #expect(loopback.exchange(.apdu(command)) == .deliver(.response(command + [0x90, 0x00])))
        let before = loopback.wireToCard.count
        guard case .fail(let error) = loopback.exchange(.apdu(LinkLoopbackTests.apdu(65517))) else {
            Issue.record("a body over what a record holds was sent")
            return
        }
        #expect(error.code == .messageTooLong)
        #expect(loopback.wireToCard.count == before)
    }

    @Test func thePINNeverCrossesInTheClearAndIdenticalAPDUsDiffer() throws {
        let loopback = try LinkLoopback(mtu: 185, security: .paired)
        let before = loopback.wireToCard.count
        #expect(loopback.exchange(.apdu(Self.verify)) == .deliver(.response(Self.verify + [0x90, 0x00])))
        let first = Array(loopback.wireToCard[before...])
        #expect(loopback.exchange(.apdu(Self.verify)) == .deliver(.response(Self.verify + [0x90, 0x00])))
        let second = Array(loopback.wireToCard[(before + first.count)...])
        #expect(!Self.contains(loopback.wireToCard, Array("123456".utf8)))
        #expect(!Self.contains(loopback.wireToStation, Array("123456".utf8)))
        #expect(first.count == second.count)
        #expect(first.map { Array($0.dropFirst(4)) } != second.map { Array($0.dropFirst(4)) })
    }

    @Test func aReplayedRequestClosesTheChannelAndIsNeverRun() throws {
        let loopback = try LinkLoopback(mtu: 185, security: .paired)
        let before = loopback.wireToCard.count
        #expect(loopback.exchange(.apdu(Self.verify)) == .deliver(.response(Self.verify + [0x90, 0x00])))
        let captured = Array(loopback.wireToCard[before...])
        let toStationBefore = loopback.wireToStation.count
        for fragment in captured {
            loopback.inject(toCard: fragment)
        }
        #expect(loopback.processed.count == 1)
        #expect(Self.code(loopback.cardChannel.last) == .channelFailed)
        _ = loopback.run(until: { $0.stationChannel.count > 1 }, deadline: loopback.now + .seconds(5))
        // The card said so in the clear (ERROR CHANNEL_FAILED) and the station dropped the connection.
        #expect(Array(loopback.wireToStation[toStationBefore...]) == [[0xBF, loopback.wireToCard.last?[1] ?? 0, 0x00, 0x01, 0x0A]])
        #expect(Self.code(loopback.stationChannel.last) == .channelFailed)
        #expect(!loopback.central.isReady)
        #expect(Self.code(loopback.exchange(.powerOn)) == .cardRemoved)
    }

    @Test func aForgedRecordClosesTheChannelAndFailsTheRequestInFlight() throws {
        let loopback = try LinkLoopback(mtu: 185, card: .init(delay: .seconds(1)), security: .paired)
        loopback.send(.apdu(Self.verify))
        _ = loopback.run(until: { $0.processed.count == 1 }, deadline: .seconds(5))
        // A keepalive that the card never sealed: right header, wrong tag.
        loopback.inject(toStation: [0xA2, loopback.wireToCard.last?[1] ?? 0, 0x00, 0x14] + Array(repeating: 0x00, count: 20))
        guard case .fail(let error) = loopback.lastOutcome else {
            Issue.record("the request in flight did not fail")
            return
        }
        #expect(error.code == .channelFailed)
        #expect(loopback.stationChannel.last == .channelFailed(error))
    }

    @Test func aTruncatedRecordClosesTheChannel() throws {
        let loopback = try LinkLoopback(mtu: 517, security: .paired)
        var peripheral = loopback.peripheral
        // An APDU record cut to its header byte and 10 bytes: shorter than a tag, or a tag that cannot match.
        let actions = peripheral.receive(fragment: [0xA2, 0x07, 0x00, 0x0B, 0x00] + Array(repeating: 0x41, count: 10), now: loopback.now)
        #expect(actions.contains { if case .channelFailed(let error) = $0 { error.code == .channelFailed } else { false } })
        #expect(!actions.contains { if case .process = $0 { true } else { false } })
    }

    @Test func aCardRefusesAnUnpairedStationWithNotPairedAndNeverSendsMessage2() throws {
        let loopback = try LinkLoopback(mtu: 247, security: .unpaired)
        #expect(Self.commands(loopback.wireToStation) == [0xBF])
        #expect(loopback.wireToStation.first == [0xBF, 0x00, 0x00, 0x01, 0x08])
        #expect(loopback.cardChannel.map { Self.code($0) } == [.notPaired])
        #expect(loopback.stationChannel.map { Self.code($0) } == [.notPaired])
        // The card answers nothing more on that connection.
        loopback.inject(toCard: [0x83, 0x01, 0x00, 0x00])
        #expect(loopback.wireToStation.count == 1)
        #expect(loopback.processed.isEmpty)
    }

    @Test func aMessageInTheClearBeforeTheHandshakeGetsHandshakeRequired() throws {
        var peripheral = LinkPeripheralStateMachine()
        _ = try peripheral.connect(mtu: 23, security: .card(
            staticKey: Curve25519.KeyAgreement.PrivateKey(), pairedStations: [], ephemeralKey: Curve25519.KeyAgreement.PrivateKey()
        ), now: .zero)
        let actions = peripheral.receive(fragment: [0x82, 0x05, 0x00, 0x04, 0x00, 0xA4, 0x04, 0x00], now: .zero)
        #expect(actions.first == .send([[0xBF, 0x05, 0x00, 0x01, 0x09]]))
        #expect(actions.contains { Self.code($0) == .channelFailed })
        // The connection is done: a handshake after it gets nothing.
        #expect(peripheral.receive(fragment: [0xA0, 0x00, 0x00, 0x01, 0x00], now: .zero) == [])
    }

    /// A connection that never sends message 1, or replays one it recorded (it gets message 2 but cannot seal a
    /// record), is failed at the handshake deadline, so it cannot hold the card.
    @Test(arguments: [false, true])
    func aConnectionThatDoesNotCompleteTheHandshakeIsFailedAtItsDeadline(replaying: Bool) throws {
        let loopback = try LinkLoopback(mtu: 185, security: .paired)
        let message1 = loopback.wireToCard[0]
        var peripheral = LinkPeripheralStateMachine(configuration: .init(handshakeTimeout: .seconds(5)))
        let connect = try peripheral.connect(mtu: 185, security: .card(
            staticKey: loopback.keys.card, pairedStations: [loopback.keys.stationPublicKey],
            ephemeralKey: Curve25519.KeyAgreement.PrivateKey()
        ), now: .seconds(100))
        #expect(connect == [.armTimer(at: .seconds(105))])
        if replaying {
            let answer = peripheral.receive(fragment: message1, now: .seconds(101))
            #expect(answer.count == 1)
            guard case .send(let fragments)? = answer.first else {
                Issue.record("the replayed message 1 got no message 2")
                return
            }
            #expect(fragments.first?.first == 0xA1)
        }
        #expect(peripheral.handleTimer(now: .seconds(104)) == [])
        let failed = peripheral.handleTimer(now: .seconds(105))
        #expect(failed.first == .send([[0xBF, 0x00, 0x00, 0x01, 0x0A]]))
        #expect(failed.contains { Self.code($0) == .channelFailed })
        #expect(!failed.contains { if case .channelOpen = $0 { true } else { false } })
    }

    /// NOT_PAIRED answers message 1 only: forged in the clear later, it closes the channel as any clear frame does.
    @Test func aNotPairedAfterTheHandshakeIsAChannelFailure() throws {
        let loopback = try LinkLoopback(mtu: 185, security: .paired)
        loopback.inject(toStation: [0xBF, 0x00, 0x00, 0x01, 0x08])
        #expect(loopback.stationChannel.map { Self.code($0) } == [nil, .channelFailed])
    }

    @Test func aTamperedInfoCharacteristicFailsTheHandshake() throws {
        let keys = LinkLoopback.Keys()
        var peripheral = LinkPeripheralStateMachine(info: LinkInfo(maximumMessage: 4096))
        var central = LinkCentralStateMachine()
        _ = try peripheral.connect(mtu: 517, security: .card(
            staticKey: keys.card, pairedStations: [keys.stationPublicKey], ephemeralKey: Curve25519.KeyAgreement.PrivateKey()
        ), now: .zero)
        // The station read a different info (the attacker raised the limit) and hashes that into the prologue.
        let message1 = try central.connect(info: LinkInfo(), mtu: 517, security: .station(
            staticKey: keys.station, cardKey: keys.card.publicKey, ephemeralKey: Curve25519.KeyAgreement.PrivateKey()
        ), now: .zero)
        guard case .send(let fragments) = message1.first else {
            Issue.record("no message 1")
            return
        }
        let answer = peripheral.receive(fragment: fragments[0], now: .zero)
        #expect(answer.contains { if case .channelFailed(let error) = $0 { error.code == .channelFailed } else { false } })
    }

    @Test func theStationGivesUpOnASilentCardAfterTheResponseTimeout() throws {
        var central = LinkCentralStateMachine(configuration: .init(responseTimeout: .seconds(2)))
        let actions = try central.connect(info: LinkInfo(), mtu: 517, security: .station(
            staticKey: Curve25519.KeyAgreement.PrivateKey(), cardKey: Curve25519.KeyAgreement.PrivateKey().publicKey,
            ephemeralKey: Curve25519.KeyAgreement.PrivateKey()
        ), now: .zero)
        #expect(actions.last == .armTimer(at: .seconds(2) + .milliseconds(15)))
        #expect(!central.isReady)
        #expect(central.send(.powerOn, now: .seconds(1)).map { Self.code($0) } == [.cardRemoved])
        #expect(central.handleTimer(now: .seconds(1)) == [])
        let failed = central.handleTimer(now: .seconds(3))
        #expect(failed.contains { if case .channelFailed(let error) = $0 { error.code == .channelFailed } else { false } })
    }

    /// With a one-second rekey period each side changes its sending key once that second is over: the first
    /// record it seals after that carries header 01 (requests at 0, 0.4 … 2.8 s: rekeyed at 1.2 and 2.4 s), and
    /// the exchange goes on without a round trip.
    @Test func rekeysAfterItsPeriodWithoutARoundTrip() throws {
        let loopback = try LinkLoopback(mtu: 517, card: .init(delay: .milliseconds(400)), security: .paired, rekeyPeriod: .seconds(1))
        var headers: [UInt8] = []
        for _ in 0..<8 {
            let before = loopback.wireToCard.count
            #expect(loopback.exchange(.apdu(Self.verify)) == .deliver(.response(Self.verify + [0x90, 0x00])))
            headers.append(loopback.wireToCard[before][4])
        }
        #expect(headers == [0, 0, 0, 1, 0, 0, 1, 0])
        #expect(loopback.wireToStation.dropFirst().contains { $0[4] == 1 })
    }

    static func card(acceptsPairing: Bool) throws -> LinkPeripheralStateMachine {
        var peripheral = LinkPeripheralStateMachine()
        _ = try peripheral.connect(mtu: 185, security: .card(
            staticKey: Curve25519.KeyAgreement.PrivateKey(), pairedStations: [], acceptsPairing: acceptsPairing,
            ephemeralKey: Curve25519.KeyAgreement.PrivateKey()
        ), now: .zero)
        return peripheral
    }

    @Test func aCardInPairingModeCarriesTheCeremonyInTheClearAndNothingElse() throws {
        var central = LinkCentralStateMachine()
        var peripheral = try Self.card(acceptsPairing: true)
        #expect(try central.connect(info: LinkInfo(), mtu: 185, security: .stationPairing, now: .zero) == [])
        #expect(!central.isReady)
        guard case .send(let start)? = central.sendPairing([0x01, 0x01, 0xAA], now: .zero).first else {
            Issue.record("the station sent no PAIRING")
            return
        }
        #expect(start == [[0xA8, 0x00, 0x00, 0x03, 0x01, 0x01, 0xAA]])
        #expect(peripheral.receive(fragment: start[0], now: .zero).first == .pairingMessage([0x01, 0x01, 0xAA]))
        guard case .send(let commit)? = peripheral.sendPairing([0x02, 0x01], now: .zero).first else {
            Issue.record("the card sent no PAIRING")
            return
        }
        #expect(central.receive(fragment: commit[0], now: .zero) == [.pairingMessage([0x02, 0x01])])
        // No handshake, no request on a pairing connection.
        #expect(peripheral.receive(fragment: [0xA0, 0x00, 0x00, 0x01, 0x00], now: .zero).first == .send([[0xBF, 0x00, 0x00, 0x01, 0x01]]))
        #expect(central.send(.powerOn, now: .zero).map { Self.code($0) } == [.cardRemoved])
    }

    @Test func aCardOutOfPairingModeAnswersPairingClosed() throws {
        var central = LinkCentralStateMachine()
        var peripheral = try Self.card(acceptsPairing: false)
        _ = try central.connect(info: LinkInfo(), mtu: 185, security: .stationPairing, now: .zero)
        guard case .send(let start)? = central.sendPairing([0x01], now: .zero).first else {
            Issue.record("the station sent no PAIRING")
            return
        }
        let answer = peripheral.receive(fragment: start[0], now: .zero)
        #expect(answer.first == .send([[0xBF, 0x00, 0x00, 0x01, 0x0B]]))
        #expect(central.receive(fragment: [0xBF, 0x00, 0x00, 0x01, 0x0B], now: .zero).map { Self.code($0) } == [.pairingClosed])
        #expect(central.sendPairing([0x01], now: .zero) == [])
    }

    @Test func aStationSendsUnpairInARecordAndTheCardAnswersUnpaired() throws {
        let loopback = try LinkLoopback(mtu: 185, security: .paired)
        loopback.send(.unpair)
        _ = loopback.run(until: { $0.processed.count == 1 }, deadline: .seconds(5))
        #expect(loopback.processed == [.unpair])
        #expect(Self.commands(loopback.wireToCard).last == 0xA2)
    }
}
