/// The walk-away policy as a state machine without I/O: RSSI samples and link events in, with `now` (a
/// monotonic reading from any origin); presence states, locks and card decisions out.
///
///     near ⇄ uncertain → away        (filtered drop below the seated baseline, with hysteresis and dwells)
///       any heard state → lost       (link down and no advertisement; lost → uncertain when heard again)
///
/// Locks: entering `away`; a device unheard within `fallWindow` of a sample that was falling out of range
/// (`fallDrop` below the baseline, or out of the near band and at the receiver's `lossFloor`) and still unheard
/// `fallLossDelay` later; a link lost for `uncertainLossTimeout` (while still below the near band, after being
/// uncertain for at most `uncertainLossWindow`) or `linkLossTimeout` (otherwise). At most one lock per away
/// episode, which ends when the device is near again. Nothing here ever unlocks: returning only presents the
/// card, and the holder still types the PIN.
///
/// The card is presented while the link is up and the device near, removed when the link is down or the device
/// away or lost, and left as it is while uncertain. The shell keeps the one timer the actions ask for.
///
/// Round trips: a link whose latest authenticated PING took longer than `roundTripCeiling` may be relayed, so a
/// near device becomes uncertain and no state becomes near until a round trip at or under the ceiling. The latest
/// round trip stands across a link loss (a relay that drops and remakes the link does not shed it). A round trip
/// never locks and never presents the card: it only withholds `near`.
public struct ProximityEngine: Sendable {
    public let settings: ProximitySettings
    public private(set) var state = PresenceState.lost
    public private(set) var isLinkUp = false
    public private(set) var isCardPresented = false
    /// The latest filtered drop below the baseline, in dB (negative when stronger than the baseline).
    public private(set) var drop: Double?
    /// The latest filtered RSSI in dBm, of whichever source spoke last; nil while the device is not heard.
    public private(set) var filteredRSSI: Double?
    /// When `handleTimer(now:)` is due, if at all.
    public private(set) var deadline: Duration?
    /// The latest round trip of an authenticated PING, if one came back yet.
    public private(set) var roundTrip: Duration?
    /// The latest round trip is over `roundTripCeiling`: the device is not near whatever its signal says.
    public var isRoundTripSlow: Bool { roundTrip.map { $0 > settings.roundTripCeiling } ?? false }

    private var connection: Track
    private var advertisement: Track
    private var lastAdvertisementAt: Duration?
    private var lockedThisEpisode = false
    /// The consecutive samples at or above `awayDrop`, and below `nearDrop`: when the run began and its length.
    private var awayRun: Run?
    private var nearRun: Run?
    private var uncertainSince: Duration?
    /// The last sample's level and raw drop below the baseline, and when it came.
    private var lastSample: (at: Duration, rawDrop: Double, dBm: Double)?
    /// The last instant the device was heard: its last sample, or the link's going down.
    private var lastHeardAt: Duration?
    private var lostAt: Duration?
    private var lossLock: (at: Duration, afterFall: Bool)?

    private struct Run: Sendable {
        let start: Duration
        var samples: Int
    }

    /// One source's filter and baseline.
    private struct Track: Sendable {
        var filter: MedianFilter
        var baseline: BaselineTracker
    }

    /// `baseline` is the calibrated or persisted seated level; without one, the engine assumes the holder is
    /// seated when it first hears the device and learns the level from there.
    public init(settings: ProximitySettings = ProximitySettings(), baseline: ProximityBaseline = ProximityBaseline()) {
        self.settings = settings
        func track(_ level: Double?) -> Track {
            Track(
                filter: MedianFilter(window: settings.filterWindow),
                baseline: BaselineTracker(timeConstant: settings.baselineTimeConstant, level: level))
        }
        connection = track(baseline.connection)
        advertisement = track(baseline.advertisement)
    }

    /// The current seated levels, for the station to persist.
    public var baseline: ProximityBaseline {
        ProximityBaseline(connection: connection.baseline.level, advertisement: advertisement.baseline.level)
    }

    /// Takes a freshly measured seated level (`pivlink calibrate`) for each source it names, in place of what was
    /// learnt; a source it does not name keeps its level. The state is re-judged against it from the next sample.
    public mutating func recalibrate(_ baseline: ProximityBaseline) {
        let timeConstant = settings.baselineTimeConstant
        for source in RSSISource.allCases {
            guard let level = baseline[source] else { continue }
            withTrack(source) { $0.baseline = BaselineTracker(timeConstant: timeConstant, level: level) }
        }
    }

    public mutating func receive(_ event: ProximityEvent, now: Duration) -> [ProximityAction] {
        var actions: [ProximityAction] = []
        switch event {
        case .linkUp:
            isLinkUp = true
            if state == .lost { hearAgain(now: now, &actions) }
        case .linkDown:
            if isLinkUp { lastHeardAt = now }
            isLinkUp = false
            connection.filter.reset()
            if !isHeard(now: now) { loseContact(now: now, &actions) }
        case .rssi(let dBm, let source):
            if dBm.isFinite && (source == .advertisement || isLinkUp) {
                receiveSample(dBm, source: source, now: now, &actions)
            }
        case .roundTrip(let duration):
            roundTrip = duration
            if isRoundTripSlow && state == .near {
                // Rounded up: a round trip just over a ceiling of whole milliseconds never reads as at it.
                let milliseconds = Int((duration / .milliseconds(1)).rounded(.up))
                enter(.uncertain, .slowRoundTrip(milliseconds: milliseconds), now: now, &actions)
            }
        }
        return finish(now: now, actions)
    }

    /// The timer from the last `.armTimer` fired (early calls do nothing).
    public mutating func handleTimer(now: Duration) -> [ProximityAction] {
        var actions: [ProximityAction] = []
        if state != .lost && !isHeard(now: now) { loseContact(now: now, &actions) }
        if let lossLock, now >= lossLock.at, let lostAt {
            self.lossLock = nil
            lock(lossLock.afterFall ? .lostWhileFalling : .lostFor(now - lostAt), &actions)
        }
        return finish(now: now, actions)
    }

    // MARK: samples

    private mutating func receiveSample(_ dBm: Double, source: RSSISource, now: Duration, _ actions: inout [ProximityAction]) {
        if source == .advertisement { lastAdvertisementAt = now }
        lastHeardAt = now
        let filtered = withTrack(source) { $0.filter.add(dBm, now: now) }
        filteredRSSI = filtered
        let knowsNoBaseline = connection.baseline.level == nil && advertisement.baseline.level == nil
        guard let level = withTrack(source, { $0.baseline.level }) else {
            // A source without a level learns one only while the device is near, or from the first sample when
            // nothing is known at all (the holder is taken as seated, as when calibrating).
            if state == .near || (knowsNoBaseline && !isRoundTripSlow) {
                withTrack(source) { $0.baseline.update(filtered, now: now) }
                if state != .near { enter(.near, .signalNearBaseline(dropDB: 0), now: now, &actions) }
            } else if state == .lost {
                hearAgain(now: now, &actions)
            }
            return
        }
        if state == .lost { hearAgain(now: now, &actions) }
        lastSample = (now, level - dBm, dBm)
        let drop = level - filtered
        self.drop = drop
        awayRun = drop >= settings.awayDrop ? extend(awayRun, now: now) : nil
        nearRun = drop < settings.nearDrop ? extend(nearRun, now: now) : nil

        switch state {
        case .near:
            if held(awayRun, settings.awayDwell, now: now) {
                enter(.away, .signalFarBelowBaseline(dropDB: drop), now: now, &actions)
                lock(.signalFarBelowBaseline(dropDB: drop), &actions)
            } else if drop >= settings.uncertainDrop {
                enter(.uncertain, .signalBelowBaseline(dropDB: drop), now: now, &actions)
            } else {
                withTrack(source) { $0.baseline.update(filtered, now: now) }
            }
        case .uncertain:
            if held(awayRun, settings.awayDwell, now: now) {
                enter(.away, .signalFarBelowBaseline(dropDB: drop), now: now, &actions)
                lock(.signalFarBelowBaseline(dropDB: drop), &actions)
            } else if !isRoundTripSlow, held(nearRun, settings.nearDwell, now: now) {
                enter(.near, .signalNearBaseline(dropDB: drop), now: now, &actions)
            } else if !isRoundTripSlow, let uncertainSince, now - uncertainSince >= settings.rebaseAfter {
                // A moderate drop that held still this long is a new posture at the desk, not a walk-away.
                connection.baseline.shift(by: -drop)
                advertisement.baseline.shift(by: -drop)
                self.drop = 0
                enter(.near, .rebased(dropDB: drop), now: now, &actions)
            }
        case .away:
            if !isRoundTripSlow, held(nearRun, settings.nearDwell, now: now) {
                enter(.near, .signalNearBaseline(dropDB: drop), now: now, &actions)
            }
        case .lost:
            preconditionFailure("a sample was handled as heard while the state stayed lost")
        }
    }

    private func extend(_ run: Run?, now: Duration) -> Run {
        guard var run else { return Run(start: now, samples: 1) }
        run.samples += 1
        return run
    }

    private func held(_ run: Run?, _ dwell: Duration, now: Duration) -> Bool {
        guard let run else { return false }
        return run.samples >= settings.dwellSamples && now - run.start >= dwell
    }

    private mutating func withTrack<Result>(_ source: RSSISource, _ body: (inout Track) -> Result) -> Result {
        switch source {
        case .connection: body(&connection)
        case .advertisement: body(&advertisement)
        }
    }

    // MARK: transitions

    private mutating func enter(_ next: PresenceState, _ reason: PresenceReason, now: Duration, _ actions: inout [ProximityAction]) {
        guard next != state else { return }
        state = next
        awayRun = nil
        nearRun = nil
        uncertainSince = next == .uncertain ? now : nil
        switch next {
        case .near:
            lockedThisEpisode = false
            lostAt = nil
            lossLock = nil
        case .uncertain, .away:
            lostAt = nil
            lossLock = nil
        case .lost:
            lostAt = now
        }
        actions.append(.stateChanged(next, because: reason))
    }

    private mutating func hearAgain(now: Duration, _ actions: inout [ProximityAction]) {
        enter(.uncertain, .heardAgain, now: now, &actions)
    }

    /// Neither link nor advertisements: the device is lost, and a lock falls due unless this episode has one.
    private mutating func loseContact(now: Duration, _ actions: inout [ProximityAction]) {
        let before = state
        let uncertainFor = uncertainSince.map { now - $0 }
        // Still below the near band when the link went, not a dip that had already recovered.
        let stillDown = (drop ?? 0) >= settings.uncertainDrop
        enter(.lost, .notHeard, now: now, &actions)
        connection.filter.reset()
        advertisement.filter.reset()
        drop = nil
        filteredRSSI = nil
        guard !lockedThisEpisode else { return }
        if fellBeforeLoss {
            lossLock = (now + settings.fallLossDelay, true)
            return
        }
        switch before {
        case .uncertain where stillDown && (uncertainFor ?? .zero) <= settings.uncertainLossWindow:
            lossLock = (now + settings.uncertainLossTimeout, false)
        case .near, .uncertain: lossLock = (now + settings.linkLossTimeout, false)
        case .away, .lost: break
        }
    }

    /// Whether the last sample before the device went unheard shows it falling out of range: far below the
    /// baseline (`fallDrop`), or out of the near band and down at the receiver's floor (`lossFloor`), where a link
    /// is lost for want of signal rather than dropped at a strong level by the phone or the stack.
    private var fellBeforeLoss: Bool {
        guard let lastSample, let lastHeardAt, lastHeardAt - lastSample.at <= settings.fallWindow else { return false }
        return lastSample.rawDrop >= settings.fallDrop
            || (lastSample.dBm <= settings.lossFloor && lastSample.rawDrop >= settings.nearDrop)
    }

    private mutating func lock(_ reason: LockReason, _ actions: inout [ProximityAction]) {
        guard !lockedThisEpisode else { return }
        lockedThisEpisode = true
        actions.append(.lock(because: reason))
    }

    private func isHeard(now: Duration) -> Bool {
        if isLinkUp { return true }
        guard let lastAdvertisementAt else { return false }
        return now - lastAdvertisementAt < settings.advertisementTimeout
    }

    /// Appends the card's move, if any, and the timer's.
    private mutating func finish(now: Duration, _ actions: [ProximityAction]) -> [ProximityAction] {
        var actions = actions
        let present = isLinkUp && state == .near
        let remove = !isLinkUp || state == .away || state == .lost
        if present && !isCardPresented {
            isCardPresented = true
            actions.append(.presentCard)
        } else if remove && isCardPresented {
            isCardPresented = false
            actions.append(.removeCard)
        }
        var next = lossLock?.at
        if state != .lost && !isLinkUp, let lastAdvertisementAt {
            let expiry = lastAdvertisementAt + settings.advertisementTimeout
            next = next.map { min($0, expiry) } ?? expiry
        }
        if next != deadline {
            deadline = next
            actions.append(next.map(ProximityAction.armTimer(at:)) ?? .disarmTimer)
        }
        return actions
    }
}
