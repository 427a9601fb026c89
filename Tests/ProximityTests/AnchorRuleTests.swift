import ProximitySimulation
import Testing

/// The four anchors' rules on hand-made traces: each locks when its documented rule says, once per episode.
@Suite struct AnchorRuleTests {
    /// Seated at `seated` dBm until 100 s, then `away` dBm (nil: link down) until 300 s, at 2 Hz.
    func trace(seated: Double = -60, away: Double?) -> Trace {
        let samples = stride(from: 0.0, through: 300, by: 0.5).map { time in
            Trace.Sample(time: time, rssi: time < 100 ? seated : away)
        }
        return Trace(source: .connection, samples: samples, duration: 300)
    }

    @Test func bleUnlockLocksFiveSecondsAfterTheMeanOfFiveCrossesMinus80() {
        // The mean of five crosses −80 at the third sample below (−60·2 + −100·3)/5 = −84.
        #expect(BLEUnlockRule().lockTimes(in: trace(away: -100)) == [101 + 5])
        #expect(BLEUnlockRule().lockTimes(in: trace(away: nil)) == [99.5 + 60])
        #expect(BLEUnlockRule().lockTimes(in: trace(away: -75)).isEmpty)
    }

    @Test func blueProximityLocksAfterSixSecondsBelowItsDistance() {
        #expect(BlueProximityRule().lockTimes(in: trace(away: -70)) == [106])
        #expect(BlueProximityRule().lockTimes(in: trace(away: nil)) == [106])
    }

    @Test func windowsLocksThirtySecondsAfterOutOfRange() {
        #expect(WindowsDynamicLockRule().lockTimes(in: trace(away: -70)) == [130])
        #expect(WindowsDynamicLockRule().lockTimes(in: trace(away: -62)).isEmpty)
    }

    @Test func gnomeLocksSixtySecondsAfterTheLinkIsLostAndOnlyThen() {
        #expect(GnomeSmartLockRule().lockTimes(in: trace(away: nil)) == [160])
        #expect(GnomeSmartLockRule().lockTimes(in: trace(away: -100)).isEmpty)
    }

    @Test func pivlinkLocksWithinSecondsOnTheSameTraces() throws {
        let lock = try #require(StationPolicy().lockTimes(in: trace(away: -100)).first)
        #expect(lock > 100 && lock < 102)
        #expect(StationPolicy().lockTimes(in: trace(away: -100)).count == 1)
    }
}
