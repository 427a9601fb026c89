import Proximity
import Testing

/// `ProximityEngine`'s round-trip rule: a slow authenticated PING withholds `near`, and nothing more.
@Suite struct ProximityEngineRoundTripTests {
    static let slow = Duration.milliseconds(400)
    static let ceiling = ProximitySettings().roundTripCeiling

    /// Seated at −60 dBm for a minute: near, card presented, baseline learnt.
    func seated() -> EngineHarness {
        var harness = EngineHarness()
        harness.samples(-60, from: 0, count: 120)
        return harness
    }

    func lastReason(_ harness: EngineHarness) -> PresenceReason? {
        harness.log.last { if case .stateChanged = $0.action { true } else { false } }.flatMap {
            if case .stateChanged(_, let reason) = $0.action { reason } else { nil }
        }
    }

    @Test func theDefaultCeilingIsAboveTwoOfBlueZsLongestIntervalsAndBelowAnInternetHop() {
        #expect(Self.ceiling > .milliseconds(2 * 50 + 10))
        #expect(Self.ceiling <= .milliseconds(200))
    }

    @Test func aSlowRoundTripTakesNearToUncertainAndLeavesTheCard() {
        var harness = seated()
        harness.send(.roundTrip(.microseconds(150_200)), at: 60)
        #expect(harness.engine.state == .uncertain)
        #expect(harness.engine.isRoundTripSlow)
        // Rounded up, so that it never reads as at the ceiling.
        #expect(lastReason(harness) == .slowRoundTrip(milliseconds: 151))
        // The signal still says near: it stays uncertain, the card stays in, nothing locks.
        harness.samples(-60, from: 60.5, count: 40)
        harness.advance(to: 600)
        #expect(harness.engine.state == .uncertain)
        #expect(harness.times(of: .presentCard) == [0])
        #expect(harness.times(of: .removeCard).isEmpty)
        #expect(harness.locks.isEmpty)
    }

    @Test func aRoundTripAtTheCeilingLiftsItAtTheNextNearSample() {
        var harness = seated()
        harness.send(.roundTrip(Self.slow), at: 60)
        harness.samples(-60, from: 60.5, count: 10)
        #expect(harness.engine.state == .uncertain)
        harness.send(.roundTrip(Self.ceiling), at: 65.2)
        #expect(!harness.engine.isRoundTripSlow)
        #expect(harness.engine.state == .uncertain)
        harness.samples(-60, from: 65.5, count: 1)
        #expect(harness.engine.state == .near)
        #expect(harness.engine.roundTrip == Self.ceiling)
    }

    @Test func aFastRoundTripChangesNothing() {
        var harness = seated()
        let before = harness.log.count
        harness.send(.roundTrip(.milliseconds(60)), at: 60)
        #expect(harness.log.count == before)
        #expect(harness.engine.state == .near)
    }

    @Test func aSlowLinkIsNeverNearSoItsCardIsNeverPresented() {
        var harness = EngineHarness()
        harness.send(.linkUp, at: 0)
        harness.send(.roundTrip(Self.slow), at: 0.1)
        harness.samples(-60, from: 0.5, count: 40)
        #expect(harness.states == [.uncertain])
        #expect(harness.times(of: .presentCard).isEmpty)
        // Nor does it teach the seated baseline: a relay's signal is the relay's.
        #expect(harness.engine.baseline == ProximityBaseline())
        harness.send(.roundTrip(.milliseconds(70)), at: 20.2)
        harness.samples(-60, from: 20.5, count: 1)
        #expect(harness.engine.state == .near)
        #expect(harness.times(of: .presentCard) == [20.5])
    }

    @Test func awayStaysAwayWhileSlowAndReturnsWhenFast() {
        var harness = seated()
        harness.samples(-100, from: 60, count: 10)
        #expect(harness.engine.state == .away)
        harness.send(.roundTrip(Self.slow), at: 65)
        harness.samples(-60, from: 65.5, count: 20)
        #expect(harness.engine.state == .away)
        harness.send(.roundTrip(.milliseconds(80)), at: 75.6)
        harness.samples(-60, from: 76, count: 1)
        #expect(harness.engine.state == .near)
        #expect(harness.locks.count == 1)
    }

    @Test func aSlowRoundTripDoesNotShortenTheLinkLossLock() {
        var harness = seated()
        harness.send(.roundTrip(Self.slow), at: 60)
        harness.send(.linkDown, at: 61)
        harness.advance(to: 200)
        #expect(harness.locks == [61 + 45])
    }

    @Test func theLatestRoundTripStandsAcrossALinkLoss() {
        var harness = seated()
        harness.send(.roundTrip(Self.slow), at: 60)
        harness.send(.linkDown, at: 61)
        harness.samples(-60, from: 62, count: 20)
        #expect(harness.engine.state == .uncertain)
        #expect(harness.times(of: .presentCard) == [0])
    }

    @Test func noRebaseWhileSlow() {
        var harness = seated()
        harness.send(.roundTrip(Self.slow), at: 60)
        // 15 dB down, held: without the slow round trip this re-bases after a minute.
        harness.samples(-75, from: 60.5, count: 300)
        #expect(harness.engine.state == .uncertain)
        harness.send(.roundTrip(.milliseconds(80)), at: 210.2)
        harness.samples(-75, from: 210.5, count: 1)
        #expect(harness.engine.state == .near)
        #expect(lastReason(harness).map { if case .rebased = $0 { true } else { false } } == true)
    }

    @Test func theReasonSaysTheRoundTripAndWhy() {
        let text = PresenceReason.slowRoundTrip(milliseconds: 180).description
        #expect(text.contains("180 ms"))
        #expect(text.contains("ceiling"))
    }
}
