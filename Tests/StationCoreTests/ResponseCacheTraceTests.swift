import APDU
import PIVCard
import PivlinkTesting
import StationCore
import Testing

/// The goal, on research/piv-apdu-trace.txt: a whole `pkcs11-tool --sign` process (37 APDUs from OpenSC
/// 0.23) crosses the radio at most 5 times once an earlier process primed the cache.
@Suite("ResponseCache on the traced OpenSC processes")
struct ResponseCacheTraceTests {
    static let signSection = "pkcs11-tool sign 9a (id 01)"

    @Test("the traced sign process sends OpenSC's 37 APDUs")
    func signSectionIsTheTracedOne() throws {
        let sign = try TracedSession.load().section(Self.signSection)
        #expect(sign.commands.count == 37)
    }

    @Test("pkcs11-tool sign after pkcs11-tool -L: at most 5 APDUs cross the radio")
    func signAfterListing() throws {
        let trace = try TracedSession.load()
        let harness = RelayHarness(card: TestCard.makeCard(try TestCard.provisionedState(), seed: "card"))
        #expect(harness.linkUp() == PIVCard.atr)
        // pcscd on insertion: power on, read the ATR, power off; power on at the first SCardConnect.
        for byte: UInt8 in [1, 0, 1] { harness.control(byte) }
        for step in try trace.section("pkcs11-tool -L").steps { run(step, on: harness) }
        let primed = harness.relay.cache.count
        harness.resetCounts()

        var answers: [[UInt8]] = []
        for command in try trace.section(Self.signSection).commands { answers.append(harness.send(command)) }

        #expect(primed > 10)
        #expect(harness.apduCrossings <= 5, "\(harness.crossings.map { if case .apdu(let b) = $0 { hexString(b) } else { "\($0.command)" } })")
        #expect(harness.crossings.count == harness.apduCrossings, "no control or version request either")
        // The process did what it came for: the PIN was accepted and the card signed.
        #expect(answers[answers.count - 3].suffix(2) == [0x90, 0x00])
        #expect(answers.last?.suffix(2) == [0x90, 0x00])
        #expect(answers.last?.first == 0x7C)
    }

    @Test("pkcs11-tool sign twice, the card powered off between them as pcscd does when idle")
    func signAfterSign() throws {
        let trace = try TracedSession.load()
        let sign = try trace.section(Self.signSection)
        let harness = RelayHarness(card: TestCard.makeCard(try TestCard.provisionedState(), seed: "card"))
        harness.linkUp()
        for byte: UInt8 in [1, 0, 1] { harness.control(byte) }
        for command in sign.commands { _ = harness.send(command) }
        harness.control(0)
        harness.control(1)
        harness.resetCounts()

        for command in sign.commands { _ = harness.send(command) }

        #expect(harness.apduCrossings <= 5, "\(harness.crossings.map { if case .apdu(let b) = $0 { hexString(b) } else { "\($0.command)" } })")
    }

    @Test("every traced tool run, in order, from a cold cache: the answers are the card's own, and under half cross")
    func wholeTraceMatchesTheCard() throws {
        let (harness, sent) = try replayWholeTrace(cache: ResponseCache())
        #expect(harness.apduCrossings * 2 < sent, "\(harness.apduCrossings) of \(sent) APDUs crossed")
    }

    @Test("cache off (station.conf cache: false): every traced APDU reaches the card, and nothing is kept")
    func disabledCachePassesEverything() throws {
        let (harness, sent) = try replayWholeTrace(cache: ResponseCache(isEnabled: false))
        #expect(harness.apduCrossings == sent)
        #expect(harness.relay.cache.count == 0)
        #expect(!harness.relay.cache.isEnabled)
    }

    /// Replays every traced tool run through a relay with `cache` to a card, and each command to a reference card
    /// beside it; expects the relay's answers to be the reference's. Returns the harness and the APDUs sent.
    private func replayWholeTrace(cache: ResponseCache) throws -> (RelayHarness, Int) {
        let trace = try TracedSession.load()
        let state = try TestCard.provisionedState()
        let reference = TestCard.makeCard(state, seed: "card")
        let harness = RelayHarness(card: TestCard.makeCard(state, seed: "card"), relay: CardRelay(cache: cache))
        harness.linkUp()
        var sent = 0
        for section in trace.sections {
            for step in section.steps {
                switch step {
                case .control(let byte):
                    harness.control(byte)
                    if byte != 1 { reference.endSession() }
                case .command(let command):
                    sent += 1
                    let expected = reference.process(command, now: harness.now + .milliseconds(5))
                    let answer = harness.send(command)
                    // Signatures and attestations are randomized (ECDSA's k, the certificate serial).
                    if [0x87, 0xF9].contains(command[1]), expected.count > 2 {
                        #expect(answer.dropLast().last == expected.dropLast().last, "\(section.name): \(hexString(command))")
                    } else {
                        #expect(hexString(answer) == hexString(expected), "\(section.name): \(hexString(command))")
                    }
                }
            }
        }
        return (harness, sent)
    }

    private func run(_ step: TracedSession.Step, on harness: RelayHarness) {
        switch step {
        case .control(let byte): harness.control(byte)
        case .command(let command): _ = harness.send(command)
        }
    }
}
