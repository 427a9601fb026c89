import APDU
import PIVCard
import PivlinkTesting
import StationCore
import Testing

/// The cache never changes what PC/SC sees: a card behind the station answers every command sequence exactly as
/// the same card in a reader would, whatever the cache answered itself. Each test drives a reference `PIVCard`
/// directly and a twin (same state, same randomness) through `CardRelay`, and compares every answer.
@Suite("ResponseCache answers are the card's own")
struct ResponseCacheEquivalenceTests {
    /// A reference card and a relayed twin, fed the same events.
    final class Twins {
        let reference: PIVCard
        let station: RelayHarness
        private(set) var localAnswers = 0

        init(state: CardState, seed: String = "twins") {
            reference = TestCard.makeCard(state, seed: seed)
            station = RelayHarness(card: TestCard.makeCard(state, seed: seed))
            station.linkUp()
            for byte: UInt8 in [1, 0, 1] { control(byte) }
        }

        /// Sends `command` to both and checks the answers; returns the station's.
        @discardableResult
        func send(_ command: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
            let crossedBefore = station.apduCrossings
            let answer = station.send(command, sourceLocation: sourceLocation)
            let expected = reference.process(command, now: station.now)
            if station.apduCrossings == crossedBefore { localAnswers += 1 }
            // Signatures, attestations and generated keys are randomized by OpenSSL on each card.
            if command.count > 1, [0x87, 0x47, 0xF9].contains(command[1]), expected.count > 2, station.apduCrossings > crossedBefore {
                #expect(answer.dropLast().last == expected.dropLast().last, "\(hexString(command))", sourceLocation: sourceLocation)
            } else {
                #expect(hexString(answer) == hexString(expected), "\(hexString(command))", sourceLocation: sourceLocation)
            }
            return answer
        }

        func send(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
            send(hex(text), sourceLocation: sourceLocation)
        }

        func control(_ byte: UInt8) {
            station.control(byte)
            if byte != 1 { reference.endSession() }
        }

        /// The link drops and comes back: PC/SC saw the card removed and inserted.
        func reconnect() {
            station.linkDown()
            reference.endSession()
            station.linkUp()
            for byte: UInt8 in [1, 0, 1] { control(byte) }
        }
    }

    static let verifyPIN = "00 20 00 80 08 31 32 33 34 35 36 FF FF"
    static let discovery = "00 CB 3F FF 03 5C 01 7E 00"
    static let signWith9C = "00 87 11 9C 26 7C 24 82 00 81 20 " + String(repeating: "AB ", count: 32)

    @Test("PIN Always: a cached read between VERIFY and a 9C signature reaches the card, which then refuses")
    func pinAlwaysEndsAtTheNextCommand() throws {
        let twins = Twins(state: try TestCard.provisionedState())
        _ = twins.send(Self.discovery)
        _ = twins.send(Self.discovery)
        let crossed = twins.station.apduCrossings
        _ = twins.send(Self.verifyPIN)
        _ = twins.send(Self.discovery)
        #expect(twins.station.apduCrossings == crossed + 2, "the read after VERIFY went to the card")
        #expect(twins.send(Self.signWith9C).suffix(2) == [0x69, 0x82])
        _ = twins.send(Self.verifyPIN)
        #expect(twins.send(Self.signWith9C).suffix(2) == [0x90, 0x00])
    }

    @Test("a PIN status query keeps PIN Always as it was: local reads after it only when nothing was pending")
    func statusQueryAfterVerify() throws {
        let twins = Twins(state: try TestCard.provisionedState())
        _ = twins.send(Self.discovery)
        _ = twins.send(Self.verifyPIN)
        _ = twins.send("00 20 00 80")
        _ = twins.send(Self.discovery)
        #expect(twins.send(Self.signWith9C).suffix(2) == [0x69, 0x82], "the read reached the card and ended PIN Always")
        let crossed = twins.station.apduCrossings
        _ = twins.send("00 20 00 80")
        _ = twins.send(Self.discovery)
        #expect(twins.station.apduCrossings == crossed + 1, "nothing pending: the read after the query was local")
    }

    @Test("a PIN-protected object: its 6982 is given locally only while the PIN is known not to be verified")
    func pinProtectedObject() throws {
        let twins = Twins(state: try TestCard.provisionedState())
        let printedInformation = "00 CB 3F FF 05 5C 03 5F C1 09 00"
        #expect(twins.send(printedInformation).suffix(2) == [0x69, 0x82])
        let crossed = twins.station.apduCrossings
        #expect(twins.send(printedInformation).suffix(2) == [0x69, 0x82])
        #expect(twins.station.apduCrossings == crossed, "given locally")
        _ = twins.send(Self.verifyPIN)
        _ = twins.send(Self.discovery)
        #expect(twins.send(printedInformation).suffix(2) == [0x6A, 0x82], "verified now: the card says it has none")
        _ = twins.send("00 20 FF 80")
        let crossedAfterReset = twins.station.apduCrossings
        #expect(twins.send(printedInformation).suffix(2) == [0x69, 0x82])
        #expect(twins.station.apduCrossings == crossedAfterReset, "VERIFY P1 FF proved the PIN unverified")
    }

    @Test("a chain of GET DATA links is never answered or learned piecewise")
    func commandChainsGoToTheCard() throws {
        let twins = Twins(state: try TestCard.provisionedState())
        _ = twins.send(Self.discovery)
        let crossed = twins.station.apduCrossings
        _ = twins.send("10 CB 3F FF 02 5C 01")
        _ = twins.send("00 CB 3F FF 01 7E 00")
        _ = twins.send(Self.discovery)
        #expect(twins.station.apduCrossings == crossed + 2)
    }

    @Test("a write through the station drops the cache and the next read gets the new object")
    func writeInvalidates() throws {
        let state = try TestCard.provisionedState()
        let twins = Twins(state: state, seed: "writer")
        let certificate = "00 CB 3F FF 05 5C 03 5F C1 05 00"
        for command in TestCard.authenticationCommands(seed: "writer") { _ = twins.send(command) }
        _ = twins.send(certificate)
        _ = twins.send("00 C0 00 00 00")
        #expect(twins.station.relay.cache.count > 0)
        for command in TestCard.putData(0x5FC105, TestCard.certificateObject(0x42)) {
            #expect(twins.send(command).suffix(2) == [0x90, 0x00])
        }
        #expect(twins.station.relay.cache.credentialVersion == state.version + 1)
        let first = twins.send(certificate)
        let rest = twins.send("00 C0 00 00 00")
        #expect(Array(first.dropLast(2) + rest.dropLast(2)) == TLV(0x53, TestCard.certificateObject(0x42)).encoded)
    }

    @Test("a reconnect keeps the cache when the version is the same and drops it when it changed")
    func versionAcrossReconnects() throws {
        let state = try TestCard.provisionedState()
        let twins = Twins(state: state)
        _ = twins.send(Self.discovery)
        twins.reconnect()
        let crossed = twins.station.apduCrossings
        _ = twins.send(Self.discovery)
        #expect(twins.station.apduCrossings == crossed, "same version: answered locally after the reconnect")

        var changed = state
        changed.objects[0x7E] = [0x4F, 0x01, 0x00]
        changed.version += 1
        let harness = RelayHarness(card: TestCard.makeCard(changed, seed: "twins"), relay: twins.station.relay)
        harness.linkUp()
        for byte: UInt8 in [1, 0, 1] { harness.control(byte) }
        #expect(harness.send(hex(Self.discovery)) == hex("7E 03 4F 01 00 90 00"))
        #expect(harness.apduCrossings == 1)
    }

    @Test("a seeded random walk over the traced commands and more: every answer equals the reference card's")
    func randomWalk() throws {
        let trace = try TracedSession.load()
        var pool = Set(trace.sections.flatMap(\.commands).map(hexString)).sorted().map(hex)
        pool += [
            Self.verifyPIN, "00 20 00 80 08 39 39 39 39 39 39 FF FF", "00 20 FF 80", Self.signWith9C,
            "00 C0 00 00 00", "10 CB 3F FF 02 5C 01", "00 CB 3F FF 01 7E 00", "10 DB 3F FF 02 5C 01",
            "00 87 03 9B 04 7C 02 80 00", "00 CA 00 00", "80 CA 00 00", "00 F7 00 80 00", "00 F7 00 9A 00",
            "00 CB 3F FF 05 5C 03 5F C1 09", "00 A4 04 0C 09 A0 00 00 03 08 00 00 10 00", "00 01 02",
        ].map(hex)
        var random = SeededGenerator(seed: 0x5EED)
        let twins = Twins(state: try TestCard.provisionedState())
        for _ in 0..<3000 {
            switch Int.random(in: 0..<100, using: &random) {
            case 0..<3: twins.control(UInt8.random(in: 0...2, using: &random))
            case 3: twins.reconnect()
            case 4..<8: twins.station.advance(by: .seconds(Int.random(in: 1...30, using: &random)))
            default: _ = twins.send(pool[Int.random(in: 0..<pool.count, using: &random)])
            }
        }
        #expect(twins.localAnswers > 600, "the walk exercised the cache")
    }
}

/// SplitMix64, for repeatable random walks.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
