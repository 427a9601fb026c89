import CardCrypto
import Pairing
import PivlinkTesting
import Testing

@Suite struct PairingStateMachineTests {
    static let code = try! PairingCode(parsing: "006736")
    static let commitment = hex("0602d88d2a1d3b2b0efe8fdb9adaaabe80b8f4d847290652c9e52163250eb2e9")
    static let stationMAC = hex("fc3ed47d9e80e853a85c7741c14b930c918a90ba3b024a3df4fa50c0ad6fdd46")
    static let cardMAC = hex("bb4c1b8bb76aa6712173baa849f73361f274184aa674943e9bc0ee385393acc2")

    // MARK: whole ceremonies

    @Test func ceremonyMatchesTheIndependentVectorsByteForByte() {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        ceremony.confirmStation(Self.code)
        ceremony.confirmCard(Self.code)

        #expect(ceremony.wire.map(\.from) == [.station, .card, .station, .card, .station, .card])
        #expect(ceremony.wire.map(\.bytes) == [
            [1, 1] + TestKeys.stationPublic,
            [1, 2] + TestKeys.cardPublic + Self.commitment,
            [1, 3] + Ceremony.stationNonce,
            [1, 4] + Ceremony.cardNonce,
            [1, 5] + Self.stationMAC,
            [1, 5] + Self.cardMAC,
        ])
        #expect(ceremony.stationCode == Self.code)
        #expect(ceremony.cardCode == Self.code)
        #expect(ceremony.stationActions.last == .paired(TestKeys.publicKey(TestKeys.card)))
        #expect(ceremony.cardActions.last == .paired(TestKeys.publicKey(TestKeys.station)))
        #expect(ceremony.station.phase == .paired(TestKeys.publicKey(TestKeys.card)))
        #expect(ceremony.card.phase == .paired(TestKeys.publicKey(TestKeys.station)))
        #expect(ceremony.station.deadline == nil && ceremony.card.deadline == nil)
    }

    @Test func eitherUserMayConfirmFirstAndNothingIsPairedBeforeBoth() {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        ceremony.confirmCard(Self.code)
        #expect(ceremony.card.phase == .comparingCodes(Self.code, confirmedHere: true, confirmedByPeer: false))
        #expect(ceremony.station.phase == .comparingCodes(Self.code, confirmedHere: false, confirmedByPeer: true))
        #expect(!ceremony.stationActions.contains { if case .paired = $0 { true } else { false } })
        #expect(!ceremony.cardActions.contains { if case .paired = $0 { true } else { false } })

        ceremony.confirmStation(Self.code)
        #expect(ceremony.station.phase == .paired(TestKeys.publicKey(TestKeys.card)))
        #expect(ceremony.card.phase == .paired(TestKeys.publicKey(TestKeys.station)))
    }

    @Test func randomKeysAndNoncesGiveTheSameCodeOnBothSides() {
        for run in 0..<20 {
            let stationKey = X25519KeyPair.generate(random: SeededRandom(seed: "station key \(run)"))
            let cardKey = X25519KeyPair.generate(random: SeededRandom(seed: "card key \(run)"))
            var ceremony = Ceremony(
                station: PairingStateMachine(role: .station, staticKey: stationKey, random: SeededRandom(seed: "Ni \(run)")),
                card: PairingStateMachine(role: .card, staticKey: cardKey, random: SeededRandom(seed: "Nr \(run)"))
            )
            ceremony.exchangeKeys()
            guard let code = ceremony.stationCode else {
                Issue.record("run \(run): no code shown")
                return
            }
            #expect(ceremony.cardCode == code)
            ceremony.confirmStation(code)
            ceremony.confirmCard(code)
            #expect(ceremony.station.phase == .paired(TestKeys.publicKey(cardKey)))
            #expect(ceremony.card.phase == .paired(TestKeys.publicKey(stationKey)))
        }
    }

    // MARK: confirmation

    @Test func aWrongCodeFailsThatSideAndAbortsTheOther() throws {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        ceremony.confirmStation(try PairingCode(parsing: "006737"))
        #expect(failure(in: ceremony.stationActions)?.code == .codeMismatch)
        #expect(sentMessages(in: ceremony.stationActions).last == .abort(.codeMismatch))
        let cardError = failure(in: ceremony.cardActions)
        #expect(cardError?.code == .abortedByPeer)
        #expect(cardError?.peerReason == .codeMismatch)
        // The card sends nothing back to an abort.
        #expect(ceremony.wire.last?.from == .station)
    }

    @Test func rejectingTheCodeEndsBothSides() {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        let actions = ceremony.card.reject()
        ceremony.deliver(actions, from: .card)
        #expect(failure(in: actions)?.code == .rejected)
        #expect(failure(in: ceremony.stationActions)?.peerReason == .rejected)
        #expect(failure(in: ceremony.station.confirm(code: Self.code))?.code == .ceremonyFinished)
    }

    @Test func callsAfterTheEndAreCeremonyFinishedAndChangeNothing() {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        ceremony.confirmStation(Self.code)
        ceremony.confirmCard(Self.code)
        let paired = ceremony.station.phase
        #expect(failure(in: ceremony.station.confirm(code: Self.code))?.code == .ceremonyFinished)
        #expect(failure(in: ceremony.station.receive(PairingMessage.confirm(mac: Self.cardMAC).encoded, now: .seconds(1)))?.code == .ceremonyFinished)
        #expect(failure(in: ceremony.station.reject())?.code == .ceremonyFinished)
        #expect(failure(in: ceremony.station.cancel())?.code == .ceremonyFinished)
        #expect(ceremony.station.handleTimer(now: .seconds(1_000_000)) == [])
        #expect(ceremony.station.phase == paired)
    }

    @Test func confirmingBeforeTheCodeOrTwiceIsOutOfTurn() {
        var station = PairingStateMachine(role: .station, staticKey: TestKeys.station, random: FixedRandom(Ceremony.stationNonce))
        _ = station.start(now: .zero)
        let early = station.confirm(code: Self.code)
        #expect(failure(in: early)?.code == .outOfTurn)
        #expect(sentMessages(in: early) == [.abort(.protocolError)])

        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        ceremony.confirmStation(Self.code)
        let twice = ceremony.station.confirm(code: Self.code)
        #expect(failure(in: twice)?.code == .outOfTurn)
    }

    @Test func aForgedConfirmationFails() {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        var forged = Self.cardMAC
        forged[31] ^= 1
        let actions = ceremony.station.receive(PairingMessage.confirm(mac: forged).encoded, now: ceremony.now)
        #expect(failure(in: actions)?.code == .confirmationInvalid)
        #expect(sentMessages(in: actions) == [.abort(.protocolError)])
    }

    @Test func theStationsOwnConfirmationSentBackFails() {
        // A reflected CONFIRM: the labels differ by role, so a side cannot be fed its own MAC.
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        let actions = ceremony.station.receive(PairingMessage.confirm(mac: Self.stationMAC).encoded, now: ceremony.now)
        #expect(failure(in: actions)?.code == .confirmationInvalid)
    }

    @Test func aSecondConfirmationIsUnexpected() {
        var ceremony = Ceremony()
        ceremony.exchangeKeys()
        ceremony.confirmCard(Self.code)
        let actions = ceremony.station.receive(PairingMessage.confirm(mac: Self.cardMAC).encoded, now: ceremony.now)
        #expect(failure(in: actions)?.code == .unexpectedMessage)
    }

    // MARK: deadlines

    @Test func deadlinesAreMessageTimeoutsThenTheConfirmationTimeout() {
        let configuration = PairingStateMachine.Configuration(messageTimeout: .seconds(5), confirmationTimeout: .seconds(90))
        var station = PairingStateMachine(
            role: .station, staticKey: TestKeys.station, random: FixedRandom(Ceremony.stationNonce), configuration: configuration
        )
        var card = PairingStateMachine(
            role: .card, staticKey: TestKeys.card, random: FixedRandom(Ceremony.cardNonce), configuration: configuration
        )
        let start = station.start(now: .seconds(100))
        #expect(start.last == .armTimer(at: .seconds(105)))
        let commit = card.receive(sent(start), now: .seconds(101))
        #expect(commit.last == .armTimer(at: .seconds(106)))
        let stationNonce = station.receive(sent(commit), now: .seconds(102))
        #expect(stationNonce.last == .armTimer(at: .seconds(107)))
        let cardNonce = card.receive(sent(stationNonce), now: .seconds(103))
        #expect(cardNonce.last == .armTimer(at: .seconds(193)))
        let shown = station.receive(sent(cardNonce), now: .seconds(104))
        #expect(shown == [.showCode(Self.code), .armTimer(at: .seconds(194))])
        // A confirmation does not restart the users' time.
        #expect(station.confirm(code: Self.code) == [.send(PairingMessage.confirm(mac: Self.stationMAC).encoded)])
        #expect(station.deadline == .seconds(194))

        #expect(station.handleTimer(now: .seconds(193)) == [])
        let expired = station.handleTimer(now: .seconds(194))
        #expect(failure(in: expired)?.code == .timeout)
        #expect(sentMessages(in: expired) == [.abort(.timeout)])
        #expect(station.deadline == nil)
    }

    @Test func aStationWaitingForTheCommitmentTimesOut() {
        var station = PairingStateMachine(role: .station, staticKey: TestKeys.station, random: FixedRandom(Ceremony.stationNonce))
        _ = station.start(now: .seconds(1))
        #expect(station.handleTimer(now: .seconds(10)) == [])
        let expired = station.handleTimer(now: .seconds(11))
        #expect(failure(in: expired)?.code == .timeout)
        guard case .failed(let error) = station.phase else {
            Issue.record("not failed: \(station.phase)")
            return
        }
        #expect(error.code == .timeout)
    }

    @Test func aCardCancelledBeforeAnyStationCameSendsNothing() {
        var card = PairingStateMachine(role: .card, staticKey: TestKeys.card, random: FixedRandom(Ceremony.cardNonce))
        let actions = card.cancel()
        #expect(actions.count == 1)
        #expect(failure(in: actions)?.code == .cancelled)
    }

    // MARK: what the peer sends

    @Test func everyMessageOutOfTurnIsUnexpectedAtEveryStep() {
        let messages: [PairingMessage] = [
            .start(stationKey: TestKeys.stationPublic),
            .commit(cardKey: TestKeys.cardPublic, commitment: Self.commitment),
            .stationNonce(Ceremony.stationNonce),
            .cardNonce(Ceremony.cardNonce),
            .confirm(mac: Self.cardMAC),
        ]
        // Each side at each step before the end, with the one message it accepts there.
        let steps: [(name: String, machine: PairingStateMachine, accepted: PairingMessage.MessageType?)] = Self.stepsOfBothSides()
        for step in steps {
            for message in messages where message.type != step.accepted {
                var machine = step.machine
                let actions = machine.receive(message.encoded, now: .seconds(1))
                #expect(failure(in: actions)?.code == .unexpectedMessage, "\(step.name) receiving \(message.type)")
                #expect(sentMessages(in: actions) == [.abort(.protocolError)], "\(step.name) receiving \(message.type)")
                #expect(machine.deadline == nil)
            }
        }
    }

    @Test func anAbortEndsEveryStepWithThePeersReason() {
        for step in Self.stepsOfBothSides() {
            for reason in PairingAbortReason.allCases {
                var machine = step.machine
                let actions = machine.receive(PairingMessage.abort(reason).encoded, now: .seconds(1))
                #expect(actions.count == 1, "\(step.name): no ABORT answers an ABORT")
                #expect(failure(in: actions)?.code == .abortedByPeer)
                #expect(failure(in: actions)?.peerReason == reason)
            }
        }
    }

    @Test func malformedBytesEndEveryStepWithTheirCode() {
        let malformed: [(bytes: [UInt8], code: PairingError.Code)] = [
            ([], .invalidLength),
            ([1], .invalidLength),
            ([2, 1] + TestKeys.stationPublic, .unsupportedVersion),
            ([1, 9], .unknownMessage),
            ([1, 1] + TestKeys.stationPublic.dropLast(), .invalidLength),
            ([1, 6, 0x7F], .invalidField),
        ]
        for step in Self.stepsOfBothSides() {
            for (bytes, code) in malformed {
                var machine = step.machine
                let actions = machine.receive(bytes, now: .seconds(1))
                #expect(failure(in: actions)?.code == code, "\(step.name) receiving \(hexString(bytes))")
                #expect(sentMessages(in: actions) == [.abort(.protocolError)])
            }
        }
    }

    @Test func randomBytesAtEveryStepEndTheCeremonyWithATypedError() {
        let random = SeededRandom(seed: "garbage")
        for step in Self.stepsOfBothSides() {
            for _ in 0..<300 {
                let length = Int(random.bytes(1)[0]) % 70
                // Mostly version 1 with a defined type, so that the bodies get read too.
                var bytes = random.bytes(length)
                if bytes.count >= 2, bytes[0] & 0x80 == 0 {
                    bytes[0] = 1
                    bytes[1] = 1 + bytes[1] % 6
                }
                var machine = step.machine
                let actions = machine.receive(bytes, now: .seconds(1))
                guard case .fail = actions.last else {
                    // Only a well-formed message of the accepted kind may go on (a key that happens to be valid).
                    #expect((try? PairingMessage(decoding: bytes))?.type == step.accepted, "\(step.name): \(hexString(bytes))")
                    continue
                }
                #expect(machine.deadline == nil)
            }
        }
    }

    @Test(arguments: PairingPublicKeyTests.smallOrderPoints)
    func smallOrderKeysAreRefusedByBothSides(point: String) {
        var card = PairingStateMachine(role: .card, staticKey: TestKeys.card, random: FixedRandom(Ceremony.cardNonce))
        #expect(failure(in: card.receive(PairingMessage.start(stationKey: hex(point)).encoded, now: .zero))?.code == .invalidPublicKey)

        var station = PairingStateMachine(role: .station, staticKey: TestKeys.station, random: FixedRandom(Ceremony.stationNonce))
        _ = station.start(now: .zero)
        let commit = PairingMessage.commit(cardKey: hex(point), commitment: Self.commitment)
        let actions = station.receive(commit.encoded, now: .zero)
        #expect(failure(in: actions)?.code == .invalidPublicKey)
        #expect(sentMessages(in: actions) == [.abort(.protocolError)], "the station's nonce never leaves")
    }

    @Test func aSideRefusesItsOwnKeySentBack() {
        var card = PairingStateMachine(role: .card, staticKey: TestKeys.card, random: FixedRandom(Ceremony.cardNonce))
        #expect(failure(in: card.receive(PairingMessage.start(stationKey: TestKeys.cardPublic).encoded, now: .zero))?.code == .invalidPublicKey)

        var station = PairingStateMachine(role: .station, staticKey: TestKeys.station, random: FixedRandom(Ceremony.stationNonce))
        _ = station.start(now: .zero)
        let reflected = PairingMessage.commit(cardKey: TestKeys.stationPublic, commitment: Self.commitment)
        #expect(failure(in: station.receive(reflected.encoded, now: .zero))?.code == .invalidPublicKey)
    }

    // MARK: helpers

    private func sent(_ actions: [PairingAction]) -> [UInt8] {
        for case .send(let bytes) in actions { return bytes }
        Issue.record("nothing sent in \(actions)")
        return []
    }

    /// Both machines at every step before the end, each with the message kind it would accept next.
    static func stepsOfBothSides() -> [(name: String, machine: PairingStateMachine, accepted: PairingMessage.MessageType?)] {
        var ceremony = Ceremony()
        var steps: [(name: String, machine: PairingStateMachine, accepted: PairingMessage.MessageType?)] = [
            ("station idle", ceremony.station, nil),
            ("card awaiting START", ceremony.card, .start),
        ]
        var station = ceremony.station
        let start = station.start(now: .zero)
        steps.append(("station awaiting COMMIT", station, .commit))
        var card = ceremony.card
        let commit = card.receive(start.firstSent, now: .zero)
        steps.append(("card awaiting STATION_NONCE", card, .stationNonce))
        let stationNonce = station.receive(commit.firstSent, now: .zero)
        steps.append(("station awaiting CARD_NONCE", station, .cardNonce))
        let cardNonce = card.receive(stationNonce.firstSent, now: .zero)
        steps.append(("card comparing codes", card, .confirm))
        _ = station.receive(cardNonce.firstSent, now: .zero)
        steps.append(("station comparing codes", station, .confirm))
        ceremony.exchangeKeys()
        ceremony.confirmStation(code)
        steps.append(("station confirmed, awaiting the card's CONFIRM", ceremony.station, .confirm))
        return steps
    }
}

extension [PairingAction] {
    var firstSent: [UInt8] {
        for case .send(let bytes) in self { return bytes }
        return []
    }
}
