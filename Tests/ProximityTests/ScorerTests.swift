import Proximity
@testable import ProximitySimulation
import Testing

@Suite struct ScorerTests {
    /// A smaller seeded run than the CLI's 200 walk-aways and 60 days. The median and false-lock targets hold;
    /// the p95 target is missed narrowly on this model (5.4 s on the CLI's run, README "Walk-away lock"), so the
    /// p95 is held to a regression bound instead. Every anchor does worse on median or false locks.
    @Test func pivlinkMeetsTheMedianAndFalseLockTargetsAndBeatsTheAnchors() throws {
        let cards = Scorer(walkAways: 60, days: 4, seed: 11).score(Scorer.policies())
        let pivlink = try #require(cards.first)
        #expect(pivlink.medianTimeToLock <= Scorecard.targetMedian)
        #expect(pivlink.falseLocksPer8h <= Scorecard.targetFalseLocksPer8h)
        #expect(pivlink.p95TimeToLock <= 8)
        #expect(pivlink.missedWalkAways == 0)
        for anchor in cards.dropFirst() {
            #expect(anchor.medianTimeToLock > pivlink.medianTimeToLock || anchor.falseLocks > pivlink.falseLocks, "\(anchor.policy)")
        }
    }

    @Test func medianAndP95UseNearestRanksAndNever() {
        #expect(Scorecard.medianAndP95([3, 1, 2]) == (2, 3))
        #expect(Scorecard.medianAndP95([1, 2, 3, .infinity]) == (2.5, .infinity))
        let twenty = (1...20).map(Double.init)
        #expect(Scorecard.medianAndP95(twenty).p95 == 19)
        let slow = Scorer(walkAways: 3, days: 1, seed: 1).score([NeverLocks()])[0]
        #expect(slow.medianTimeToLock == .infinity && slow.missedWalkAways == 3 && !slow.meetsTargets)
    }

    struct NeverLocks: LockPolicy {
        var name: String { "never" }
        func lockTimes(in trace: Trace) -> [Double] { [] }
    }
}
