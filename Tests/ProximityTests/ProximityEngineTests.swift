import Proximity
import ProximitySimulation
import Testing

@Suite struct ProximityEngineTests {
    /// Seated at −60 dBm for a minute: near, card presented, baseline learnt.
    func seated() -> EngineHarness {
        var harness = EngineHarness()
        harness.samples(-60, from: 0, count: 120)
        return harness
    }

    @Test func firstSampleWithoutBaselineIsNearAndPresentsTheCard() {
        var harness = EngineHarness()
        harness.samples(-60, from: 0, count: 1)
        #expect(harness.states == [.uncertain, .near])
        #expect(harness.engine.state == .near)
        #expect(harness.times(of: .presentCard) == [0])
        #expect(harness.engine.baseline.connection == -60)
    }

    @Test func hysteresisHoldsUncertainUntilBelowTheNearDrop() {
        var harness = seated()
        harness.samples(-68, from: 60, count: 10)  // 8 dB: inside the near band
        #expect(harness.engine.state == .near)
        harness.samples(-72, from: 65, count: 10)  // 12 dB
        #expect(harness.engine.state == .uncertain)
        harness.samples(-68, from: 70, count: 10)  // 8 dB: above nearDrop (7), stays uncertain
        #expect(harness.engine.state == .uncertain)
        harness.samples(-62, from: 75, count: 10)
        #expect(harness.engine.state == .near)
        #expect(harness.locks.isEmpty)
    }

    @Test func oneDeepSampleDoesNotLockButTheAwayDwellDoes() {
        var harness = seated()
        harness.samples(-100, from: 60, count: 1)
        harness.samples(-60, from: 60.5, count: 4)
        #expect(harness.locks.isEmpty)
        harness.samples(-100, from: 63, count: 6)
        #expect(harness.engine.state == .away)
        #expect(harness.locks.count == 1)
        let lock = harness.locks[0]
        #expect(lock >= 63 + 0.5 && lock <= 65)
        #expect(harness.times(of: .removeCard) == [lock])
    }

    @Test func atMostOneLockPerAwayEpisode() {
        var harness = seated()
        harness.samples(-100, from: 60, count: 10)
        harness.send(.linkDown, at: 65)
        harness.advance(to: 200)
        harness.samples(-100, from: 200, count: 10)
        harness.send(.linkDown, at: 205)
        harness.advance(to: 400)
        #expect(harness.locks.count == 1)
        // Back at the desk: the episode ends, and the next walk-away locks again.
        harness.samples(-60, from: 400, count: 10)
        #expect(harness.engine.state == .near)
        harness.samples(-100, from: 405, count: 10)
        #expect(harness.locks.count == 2)
    }

    @Test func cardIsPresentedWithin1_5SecondsOfReturningNear() {
        var harness = seated()
        harness.samples(-100, from: 60, count: 10)
        harness.send(.linkDown, at: 65)
        harness.samples(-61, from: 100, count: 10)
        let near = harness.firstTime(entering: .near, after: 60)
        let presented = harness.times(of: .presentCard).last
        #expect(near != nil && presented == near)
        // Judged near from the first sample back within the near dwell and one sample period.
        #expect(presented.map { $0 - 100 <= 1.5 } == true)
    }

    @Test func linkLostWhileNearLocksAfterTheLinkLossTimeout() {
        var harness = seated()
        harness.send(.linkDown, at: 60)
        #expect(harness.engine.state == .lost)
        #expect(harness.times(of: .removeCard) == [60])
        harness.advance(to: 200)
        #expect(harness.locks == [60 + 45])
    }

    @Test func linkBackBeforeTheTimeoutDoesNotLock() {
        var harness = seated()
        harness.send(.linkDown, at: 60)
        harness.samples(-60, from: 80, count: 10)
        harness.advance(to: 300)
        #expect(harness.locks.isEmpty)
        #expect(harness.engine.isCardPresented)
    }

    @Test func linkLostRightAfterADeepFallLocksAfterTheFallDelay() {
        var harness = seated()
        harness.samples(-85, from: 60, count: 1)
        harness.send(.linkDown, at: 60.3)
        harness.advance(to: 70)
        #expect(harness.locks == [60.3 + 0.5])
        #expect(harness.log.contains { $0.action == .lock(because: .lostWhileFalling) })
    }

    @Test func aShortDropAfterAFadeComesBackUnlocked() {
        var harness = seated()
        harness.samples(-85, from: 60, count: 1)
        harness.send(.linkDown, at: 60.3)
        harness.samples(-60, from: 60.6, count: 4)
        harness.advance(to: 200)
        #expect(harness.locks.isEmpty)
    }

    /// A weak pair (seated at −78 dBm) loses the link within a step of turning: one sample 9 dB down at −87 dBm,
    /// under the receiver's floor, is enough to call the loss a walk-away.
    @Test func aLinkLostJustAfterASmallFallToTheFloorLocksAfterTheFallDelay() {
        var harness = EngineHarness()
        harness.samples(-78, from: 0, count: 120)
        harness.samples(-87, from: 60, count: 1)
        harness.send(.linkDown, at: 60.3)
        harness.advance(to: 70)
        #expect(harness.locks == [60.3 + 0.5])
        #expect(harness.log.contains { $0.action == .lock(because: .lostWhileFalling) })
    }

    /// The same 9 dB step from a strong seated level stays far above the floor: the link was dropped, not lost for
    /// want of signal, and the loss waits the link-loss timeout.
    @Test func aLinkLostAfterTheSameFallFarAboveTheFloorWaitsTheLinkLossTimeout() {
        var harness = seated()
        harness.samples(-69, from: 60, count: 1)
        harness.send(.linkDown, at: 60.3)
        harness.advance(to: 200)
        #expect(harness.locks == [60.3 + 45])
    }

    /// At the floor but inside the near band: the pair always sits there, and a fade proves nothing.
    @Test func aLinkLostAtTheFloorWithoutAFallWaitsTheLinkLossTimeout() {
        var harness = EngineHarness()
        harness.samples(-88, from: 0, count: 120)
        harness.samples(-91, from: 60, count: 1)
        harness.send(.linkDown, at: 60.3)
        harness.advance(to: 200)
        #expect(harness.locks == [60.3 + 45])
    }

    @Test func theFloorIsASetting() {
        var harness = EngineHarness(settings: ProximitySettings(lossFloor: -90))
        harness.samples(-78, from: 0, count: 120)
        harness.samples(-87, from: 60, count: 1)
        harness.send(.linkDown, at: 60.3)
        harness.advance(to: 200)
        #expect(harness.locks == [60.3 + 45])
    }

    /// Uncertain a moment ago, but the dip had recovered into the near band's hysteresis when the link went: a
    /// dropped link, not a departure, so the short uncertain-loss timeout does not apply.
    @Test func aLinkLostAfterADipHadRecoveredWaitsTheLinkLossTimeout() {
        var harness = seated()
        harness.samples(-73, from: 60, count: 4)  // 13 dB: uncertain
        harness.samples(-68, from: 62, count: 4)  // 8 dB: recovered, still uncertain (above nearDrop)
        #expect(harness.engine.state == .uncertain)
        harness.send(.linkDown, at: 64)
        harness.advance(to: 200)
        #expect(harness.locks == [64 + 45])
    }

    @Test func aLinkLostWhileStillDownLocksAfterTheUncertainLossTimeout() {
        var harness = seated()
        harness.samples(-73, from: 60, count: 8)  // 13 dB: uncertain, and still down
        harness.send(.linkDown, at: 64)
        harness.advance(to: 200)
        #expect(harness.locks == [64 + 5])
    }

    /// Advertisements that fell to the floor and then stopped: the fall is measured to the last advertisement, not
    /// to the moment the advertisement timeout declares the device unheard.
    @Test func advertisementsThatFellAndStoppedLockAfterTheTimeoutAndTheFallDelay() {
        var harness = EngineHarness()
        for index in 0..<240 { harness.send(.rssi(dBm: -75, source: .advertisement), at: Double(index) * 0.5) }
        harness.send(.rssi(dBm: -88, source: .advertisement), at: 120)
        harness.advance(to: 200)
        #expect(harness.locks == [120 + 8 + 0.5])
        #expect(harness.log.contains { $0.action == .lock(because: .lostWhileFalling) })
    }

    @Test func aStillModerateDropIsANewPostureAndMovesTheBaseline() {
        var harness = seated()
        harness.samples(-74, from: 60, count: 2 * 70)  // 14 dB for 70 s
        #expect(harness.log.contains { if case .stateChanged(.near, .rebased) = $0.action { true } else { false } })
        #expect(harness.engine.state == .near)
        #expect(abs((harness.engine.baseline.connection ?? 0) - -74) < 1.5)
        #expect(harness.locks.isEmpty)
    }

    @Test func theBaselineFollowsSmallChangesOnlineWithItsTimeConstant() {
        var harness = EngineHarness(baseline: ProximityBaseline(connection: -60))
        harness.samples(-65, from: 0, count: 2 * 120)  // one time constant at 5 dB below
        let level = harness.engine.baseline.connection ?? 0
        // An exponential mean reaches 1 − 1/e of a step in one time constant (the filter's lag aside).
        #expect(level < -62.5 && level > -64)
    }

    @Test func aCalibratedBaselineJudgesTheFirstSamples() {
        var harness = EngineHarness(baseline: ProximityBaseline(connection: -55))
        harness.samples(-95, from: 0, count: 4)
        #expect(harness.engine.state == .away)
        #expect(harness.locks.count == 1)
        #expect(harness.times(of: .presentCard).isEmpty)
    }

    @Test func recalibratingMovesTheBaselineAndTheNextSamplesAreJudgedAgainstIt() {
        var harness = seated()
        harness.engine.recalibrate(ProximityBaseline(connection: -45))
        #expect(harness.engine.baseline.connection == -45)
        #expect(harness.engine.baseline.advertisement == nil)
        harness.samples(-60, from: 60, count: 4)  // 15 dB below the new level: no longer near
        #expect(harness.engine.state == .uncertain)
        #expect(harness.locks.isEmpty)
    }

    @Test func advertisementsKeepTheDeviceHeardButNeverPresentTheCard() {
        var harness = EngineHarness()
        for index in 0..<20 { harness.send(.rssi(dBm: -70, source: .advertisement), at: Double(index)) }
        #expect(harness.engine.state == .near)
        #expect(harness.times(of: .presentCard).isEmpty)
        harness.advance(to: 19 + 8.5)
        #expect(harness.engine.state == .lost)
        harness.advance(to: 100)
        #expect(harness.locks == [27 + 45])
    }

    @Test func connectionSamplesWhileTheLinkIsDownAreIgnored() {
        var harness = seated()
        harness.send(.linkDown, at: 60)
        harness.send(.rssi(dBm: -60, source: .connection), at: 61)
        #expect(harness.engine.state == .lost)
        harness.send(.rssi(dBm: .nan, source: .advertisement), at: 62)
        #expect(harness.engine.state == .lost)
    }

    @Test func anEarlyTimerCallDoesNothing() {
        var engine = ProximityEngine()
        _ = engine.receive(.linkUp, now: .zero)
        _ = engine.receive(.rssi(dBm: -60, source: .connection), now: .zero)
        _ = engine.receive(.linkDown, now: .seconds(1))
        #expect(engine.deadline == .seconds(46))
        #expect(engine.handleTimer(now: .seconds(10)).isEmpty)
        #expect(engine.handleTimer(now: .seconds(46)) == [.lock(because: .lostFor(.seconds(45))), .disarmTimer])
    }

    /// Seeded random event streams: whatever happens, the engine never locks twice without the device being
    /// near in between, never presents the card without the link, and its only outputs are the listed actions
    /// (there is no unlock: the switch is exhaustive).
    @Test(arguments: 0..<20) func randomStreamsKeepTheInvariants(seed: Int) {
        var random = SimulationRandom(seed: UInt64(seed))
        var engine = ProximityEngine()
        var time = Duration.zero
        var lockedSinceNear = false
        var linkUp = false
        func check(_ actions: [ProximityAction]) {
            for action in actions {
                switch action {
                case .lock:
                    #expect(!lockedSinceNear, "a second lock in one away episode")
                    lockedSinceNear = true
                case .stateChanged(let state, _):
                    if state == .near { lockedSinceNear = false }
                case .presentCard:
                    #expect(linkUp && engine.state == .near)
                case .removeCard, .armTimer, .disarmTimer:
                    break
                }
            }
        }
        for _ in 0..<3000 {
            time += .milliseconds(Int64.random(in: 10...3000, using: &random))
            if let deadline = engine.deadline, deadline <= time {
                check(engine.handleTimer(now: deadline))
            }
            let event: ProximityEvent
            switch Int.random(in: 0..<20, using: &random) {
            case 0: event = .linkDown
            case 1: event = .linkUp
            case 2...5: event = .rssi(dBm: random.uniform(-110 ... -30), source: .advertisement)
            default: event = .rssi(dBm: random.uniform(-110 ... -30), source: .connection)
            }
            if event == .linkUp { linkUp = true }
            if event == .linkDown { linkUp = false }
            check(engine.receive(event, now: time))
        }
    }
}
