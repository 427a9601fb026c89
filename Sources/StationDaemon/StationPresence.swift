import EventLoop
import Foundation
import Proximity

/// The walk-away lock on the station's event loop: feeds `ProximityEngine` from the presence signal sources and the
/// station's own link, keeps the one timer it asks for, locks through `SessionLocker`, and says whether the card
/// should be in pcscd (`wantsCard`; `Manager` moves it). Also the holder's controls: pausing auto-lock for a
/// bounded time, and calibrating the seated baseline, which it keeps in `BaselineFile`.
///
/// Without RSSI (`proximity.signal: none`, or no reading within `rssiGrace` of the link coming up, e.g. no kernel
/// Bluetooth access) the card follows the link alone, and a lost link still locks after the engine's loss timers.
final class StationPresence {
    /// The longest pause of auto-lock: a working day.
    static let pauseRange = Duration.seconds(1)...Duration.seconds(8 * 3600)
    static let calibrationRange = Duration.seconds(5)...Duration.seconds(300)
    /// How long after the link comes up the first RSSI reading may take before the card follows the link alone.
    static let rssiGrace = Duration.seconds(3)
    /// A lock logind refused or did not answer is tried again after 1, 2, 4, 8 and 16 s while the phone is not near.
    static let lockRetries = 5

    /// Called after anything `wantsCard` or the status depends on changed.
    var onChange: () -> Void = {}

    private let loop: EventLoop
    private let journal: Journal
    private let sources: [any PresenceSignalSource]
    private let hasRSSISource: Bool
    private let locker: SessionLocker
    private let baselineFile: BaselineFile
    /// The card its journal lines name (the fingerprint of the card the station serves).
    var device: String
    private var engine: ProximityEngine
    private var engineTimer: TimerSource?
    private var graceTimer: TimerSource?
    private var pauseTimer: TimerSource?
    private var calibrationTimer: TimerSource?
    private var lockRetryTimer: TimerSource?
    /// The lock being retried, and how many tries it has had.
    private var failedLock: (reason: String, tries: Int)?

    private var heardRSSIThisLink = false
    /// This link's card follows the link alone: no RSSI is coming.
    private var followsLinkOnly = false
    private var pause: (until: MonotonicInstant, wallClock: UInt64)?
    /// A lock the engine asked for while auto-lock was paused, to do when the pause ends if the holder is still
    /// not near.
    private var withheldLock: String?
    private var calibration: (samples: BaselineCalibration, completion: (Result<ProximityBaseline, StationDaemonError>) -> Void)?
    private(set) var lastLock: (reason: String, wallClock: UInt64)?

    /// `sources` feed RSSI (their own link events are ignored: the station's link is the one that counts);
    /// `hasRSSISource` is false for `proximity.signal: none`, where the card follows the link alone.
    init(
        settings: ProximitySettings, sources: [any PresenceSignalSource], hasRSSISource: Bool, locker: SessionLocker,
        baselineFile: BaselineFile, device: String, loop: EventLoop, journal: Journal
    ) {
        self.sources = sources
        self.hasRSSISource = hasRSSISource
        self.locker = locker
        self.baselineFile = baselineFile
        self.device = device
        self.loop = loop
        self.journal = journal
        var baseline = ProximityBaseline()
        do {
            if let stored = try baselineFile.load() {
                baseline = stored
                journal.log("seated baseline from \(baselineFile.path): \(Self.describe(stored))")
            } else {
                journal.log("no seated baseline yet (pivlink calibrate measures one): learning it from the first readings")
            }
        } catch {
            journal.log("\(error.detail); learning the baseline from the first readings", priority: .warning)
        }
        engine = ProximityEngine(settings: settings, baseline: baseline)
    }

    var wantsCard: Bool { engine.isLinkUp && (engine.isCardPresented || followsLinkOnly) }
    var state: PresenceState { engine.state }
    var rssi: Double? { engine.filteredRSSI }
    /// Until when auto-lock is paused, in µs since the epoch.
    var pausedUntil: UInt64? { pause?.wallClock }

    func start() throws(StationDaemonError) {
        do {
            engineTimer = try loop.makeTimer { [unowned self] in perform(engine.handleTimer(now: now())) }
            graceTimer = try loop.makeTimer { [unowned self] in rssiGraceEnded() }
            pauseTimer = try loop.makeTimer { [unowned self] in endPause(because: "the pause is over") }
            calibrationTimer = try loop.makeTimer { [unowned self] in finishCalibration() }
            lockRetryTimer = try loop.makeTimer { [unowned self] in retryLock() }
        } catch {
            throw StationDaemonError(.eventLoopFailed, "cannot create a timer: \(error.detail)")
        }
        for source in sources {
            try source.start { [unowned self] event, instant in received(event, at: instant) }
        }
    }

    /// Stops the sources and keeps what the baseline learnt for the next run.
    func stop() {
        sources.forEach { $0.stop() }
        calibration?.completion(.failure(StationDaemonError(.calibrationFailed, "the station is stopping")))
        calibration = nil
        let baseline = engine.baseline
        guard baseline.connection != nil || baseline.advertisement != nil else { return }
        do {
            try baselineFile.save(baseline)
        } catch {
            journal.log(error.detail, priority: .warning)
        }
    }

    // MARK: the station's link

    func linkUp() {
        heardRSSIThisLink = false
        followsLinkOnly = !hasRSSISource
        if hasRSSISource { arm(graceTimer, at: loop.now().advanced(by: Self.rssiGrace)) }
        perform(engine.receive(.linkUp, now: now()))
    }

    func linkDown() {
        graceTimer?.cancel()
        followsLinkOnly = false
        if let calibration {
            self.calibration = nil
            calibrationTimer?.cancel()
            calibration.completion(.failure(StationDaemonError(.notConnected, "the card's link went down during the calibration: keep the phone at the desk and calibrate again")))
        }
        perform(engine.receive(.linkDown, now: now()))
    }

    /// One round trip of the link's authenticated PING (`CardRelay.probeRoundTrip`). Over `rtt_ceiling` the link
    /// may be relayed: the phone is not taken as near, so the card is not presented (one already in stays while
    /// uncertain, and nothing locks). Logged once as the link turns slow and once as it recovers.
    func roundTrip(_ duration: Duration) {
        let wasSlow = engine.isRoundTripSlow
        let actions = engine.receive(.roundTrip(duration), now: now())
        if engine.isRoundTripSlow != wasSlow {
            let took = Int((duration / .milliseconds(1)).rounded(.up))
            let ceiling = Int((engine.settings.roundTripCeiling / .milliseconds(1)).rounded(.up))
            let fields = ["PIVLINK_DEVICE": device, "PIVLINK_ROUND_TRIP_MS": String(took)]
            if engine.isRoundTripSlow {
                journal.log(
                    "the link's round trip took \(took) ms, over the ceiling of \(ceiling) ms (relayed?): the phone is not taken as near until one is within it",
                    priority: .warning, id: .roundTripSlow, fields: fields)
            } else {
                journal.log(
                    "the link's round trip is within the ceiling of \(ceiling) ms again (\(took) ms)", id: .roundTripRecovered,
                    fields: fields)
            }
        }
        perform(actions)
    }

    private func received(_ event: ProximityEvent, at instant: MonotonicInstant) {
        guard case .rssi(let dBm, let source) = event else { return }
        if engine.isLinkUp { calibration?.samples.add(dBm: dBm, source: source) }
        if source == .connection, engine.isLinkUp, !heardRSSIThisLink {
            heardRSSIThisLink = true
            graceTimer?.cancel()
            if followsLinkOnly && hasRSSISource {
                followsLinkOnly = false
                journal.log("RSSI readings of the link arrived: the card follows presence again")
            }
        }
        perform(engine.receive(event, now: Self.offset(instant)))
    }

    private func rssiGraceEnded() {
        guard engine.isLinkUp, !heardRSSIThisLink else { return }
        followsLinkOnly = true
        journal.log(
            "no RSSI reading of the link within \(Self.rssiGrace): the card follows the link alone (a lost link still locks)",
            priority: .warning)
        onChange()
    }

    // MARK: the engine's actions

    private func perform(_ actions: [ProximityAction]) {
        for action in actions {
            switch action {
            case .stateChanged(let state, let reason):
                if state == .near {
                    withheldLock = nil
                    failedLock = nil
                    lockRetryTimer?.cancel()
                }
                let rssi = engine.filteredRSSI.map { ", RSSI \(Int($0.rounded())) dBm" } ?? ""
                journal.log(
                    "presence: \(state.rawValue) (\(reason)\(rssi))",
                    fields: ["PIVLINK_DEVICE": device, "PIVLINK_PRESENCE": state.rawValue])
            case .lock(let reason):
                lock(because: reason.description)
            case .presentCard, .removeCard:
                break
            case .armTimer(let deadline):
                arm(engineTimer, at: MonotonicInstant(microseconds: 0).advanced(by: deadline))
            case .disarmTimer:
                engineTimer?.cancel()
            }
        }
        onChange()
    }

    private func lock(because reason: String) {
        if let pause, loop.now() < pause.until {
            withheldLock = reason
            journal.log("auto-lock is paused: not locking (\(reason))")
            return
        }
        locker.lock(reason: reason) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success(let outcome):
                let confirmed = outcome.confirmation == .confirmed ? "the desktop confirmed it" : "the desktop did not confirm it (no screen locker listening to logind?)"
                journal.log(
                    "locked session \(outcome.sessionID) (\(reason)); \(confirmed)", id: .sessionLocked,
                    fields: ["PIVLINK_DEVICE": device, "PIVLINK_REASON": reason, "PIVLINK_SESSION": outcome.sessionID])
                lastLock = (reason, Self.wallClock())
                onChange()
            case .failure(let error):
                let tries = (failedLock?.reason == reason ? failedLock?.tries ?? 0 : 0) + 1
                guard tries <= Self.lockRetries, engine.state != .near else {
                    failedLock = nil
                    journal.log("cannot lock the session (\(reason)): \(error.detail); giving up", priority: .error)
                    return
                }
                failedLock = (reason, tries)
                let delay = Duration.seconds(1 << (tries - 1))
                journal.log("cannot lock the session (\(reason)): \(error.detail); trying again in \(delay)", priority: .error)
                arm(lockRetryTimer, at: loop.now().advanced(by: delay))
            }
        }
    }

    private func retryLock() {
        guard let failedLock, engine.state != .near else { return }
        lock(because: failedLock.reason)
    }

    // MARK: pausing auto-lock

    func pauseAutoLock(for duration: Duration) throws(StationDaemonError) {
        guard Self.pauseRange.contains(duration) else {
            throw StationDaemonError(.invalidConfig, "a pause lasts from 1 s to 8 h, not \(duration)")
        }
        let until = loop.now().advanced(by: duration)
        pause = (until, Self.wallClock() + UInt64(duration.components.seconds) * 1_000_000)
        arm(pauseTimer, at: until)
        journal.log("auto-lock paused for \(duration)")
        onChange()
    }

    func resumeAutoLock() {
        guard pause != nil else { return }
        endPause(because: "resumed")
    }

    private func endPause(because why: String) {
        pause = nil
        pauseTimer?.cancel()
        journal.log("auto-lock is on again (\(why))")
        if let withheld = withheldLock, engine.state != .near {
            withheldLock = nil
            lock(because: "\(withheld), withheld while auto-lock was paused")
        }
        onChange()
    }

    // MARK: calibration

    /// Measures the seated baseline for `duration` while the link is up, keeps it and judges by it from now on.
    func calibrate(for duration: Duration, completion: @escaping (Result<ProximityBaseline, StationDaemonError>) -> Void) {
        guard Self.calibrationRange.contains(duration) else {
            return completion(.failure(StationDaemonError(.invalidConfig, "calibration takes from 5 s to 300 s, not \(duration)")))
        }
        guard engine.isLinkUp else {
            return completion(.failure(StationDaemonError(.notConnected, "the card's link is down: bring the phone to the desk and wait for pivlink status to show the link up")))
        }
        guard calibration == nil else {
            return completion(.failure(StationDaemonError(.calibrationFailed, "a calibration is already running")))
        }
        calibration = (BaselineCalibration(), completion)
        arm(calibrationTimer, at: loop.now().advanced(by: duration))
        journal.log("calibrating the seated baseline for \(duration)")
    }

    private func finishCalibration() {
        guard let calibration else { return }
        self.calibration = nil
        let baseline: ProximityBaseline
        do {
            baseline = try calibration.samples.baseline()
        } catch {
            return calibration.completion(.failure(StationDaemonError(.calibrationFailed, error.detail)))
        }
        // Kept first: a calibration that cannot be kept is not used either.
        var kept = engine.baseline
        for source in RSSISource.allCases where baseline[source] != nil { kept[source] = baseline[source] }
        do {
            try baselineFile.save(kept)
        } catch {
            return calibration.completion(.failure(error))
        }
        engine.recalibrate(baseline)
        journal.log("calibrated the seated baseline: \(Self.describe(baseline))")
        calibration.completion(.success(baseline))
        onChange()
    }

    // MARK: helpers

    private func now() -> Duration { Self.offset(loop.now()) }

    private static func offset(_ instant: MonotonicInstant) -> Duration {
        MonotonicInstant(microseconds: 0).duration(to: instant)
    }

    private func arm(_ timer: TimerSource?, at deadline: MonotonicInstant) {
        do {
            try timer?.arm(at: deadline)
        } catch {
            journal.log("event loop failure (\(error.detail)); stopping", priority: .error)
            loop.exit(1)
        }
    }

    private static func wallClock() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1e6))
    }

    static func describe(_ baseline: ProximityBaseline) -> String {
        let parts = RSSISource.allCases.compactMap { source in baseline[source].map { "\(source.rawValue) \(Int($0.rounded())) dBm" } }
        return parts.joined(separator: ", ")
    }
}
