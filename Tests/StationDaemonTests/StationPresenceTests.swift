import BusTesting
import DBus
import EventLoop
import Foundation
import Proximity
import Testing

@testable import StationDaemon

/// StationPresence on a real event loop with python-dbusmock's logind: RSSI from a source the test drives, the
/// station's link from the test, and the locks as logind records them.
@Suite struct StationPresenceTests {
    /// A signal source whose readings the test sends, 100 ms apart (a 10 Hz feed played at once): their instants
    /// run ahead of the loop's clock, never behind it, so the median filter and the dwells see a feed over time.
    private final class DrivenSource: PresenceSignalSource {
        private var handler: ((ProximityEvent, MonotonicInstant) -> Void)?
        private var last = MonotonicInstant(microseconds: 0)
        let loop: EventLoop

        init(loop: EventLoop) { self.loop = loop }

        func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError) {
            self.handler = handler
        }

        func stop() { handler = nil }

        func send(_ dBm: Double, count: Int = 30) {
            for _ in 0..<count {
                let next = last.advanced(by: .milliseconds(100))
                last = loop.now() > next ? loop.now() : next
                handler?(.rssi(dBm: dBm, source: .connection), last)
            }
        }
    }

    private struct Harness {
        let mock: LogindMock
        let source: DrivenSource
        let presence: StationPresence
        let directory: String

        init(hasRSSISource: Bool = true, settings: ProximitySettings = Harness.immediate, withSession: Bool = true) throws {
            mock = try LogindMock()
            if withSession { try Self.addSession(to: mock) }
            source = DrivenSource(loop: mock.loop)
            directory = NSTemporaryDirectory() + "presence-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            presence = StationPresence(
                settings: settings, sources: [source], hasRSSISource: hasRSSISource,
                locker: SessionLocker(
                    connection: mock.connection, loop: mock.loop,
                    settings: LockSettings(user: .uid(0), confirmTimeout: .milliseconds(100))) { _ in },
                baselineFile: BaselineFile(environment: ["STATE_DIRECTORY": directory]), device: "00:AA:01:00:00:00",
                loop: mock.loop, journal: Journal(identifier: "StationPresenceTests"))
            try presence.start()
        }

        func addSession() throws { try Self.addSession(to: mock) }

        static func addSession(to mock: LogindMock) throws {
            try mock.addSession("c1", uid: 0, user: "root", active: true, properties: ["Type": .string("wayland")])
        }

        /// Dwells of zero, so that a burst of readings decides at once.
        static var immediate: ProximitySettings {
            var settings = ProximitySettings()
            settings.awayDwell = .zero
            settings.nearDwell = .zero
            return settings
        }

        func locks() throws -> Int { try mock.lockedSessionIDs().count }

        func run(until condition: () throws -> Bool, timeout: Duration = .seconds(10)) -> Bool {
            mock.loop.run(until: { (try? condition()) ?? false }, timeout: timeout)
        }
    }

    @Test func theCardWaitsForTheFirstNearReadingThenFollowsThePhone() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        harness.presence.linkUp()
        #expect(!harness.presence.wantsCard)
        harness.source.send(-55)
        #expect(harness.presence.state == .near)
        #expect(harness.presence.wantsCard)
        harness.source.send(-95)
        #expect(harness.presence.state == .away)
        #expect(!harness.presence.wantsCard)
        #expect(harness.run(until: { harness.presence.lastLock != nil }))
        #expect(try harness.locks() == 1)
        #expect(harness.presence.lastLock?.reason.contains("below the seated baseline") == true)
        harness.source.send(-55)
        #expect(harness.presence.wantsCard)
        #expect(try harness.locks() == 1)
    }

    @Test func aSlowRoundTripKeepsTheCardOutAndLocksNothing() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        harness.presence.linkUp()
        harness.presence.roundTrip(.milliseconds(400))
        harness.source.send(-55)
        #expect(harness.presence.state == .uncertain)
        #expect(!harness.presence.wantsCard)
        #expect(!harness.run(until: { try harness.locks() > 0 }, timeout: .seconds(1)))
        harness.presence.roundTrip(.milliseconds(60))
        harness.source.send(-55)
        #expect(harness.presence.state == .near)
        #expect(harness.presence.wantsCard)
        // Slow again while near: uncertain, and the card stays in.
        harness.presence.roundTrip(.milliseconds(400))
        #expect(harness.presence.state == .uncertain)
        #expect(harness.presence.wantsCard)
        #expect(try harness.locks() == 0)
    }

    @Test func withoutAnyReadingTheCardFollowsTheLinkAfterTheGrace() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        let started = harness.mock.loop.now()
        harness.presence.linkUp()
        #expect(harness.run(until: { harness.presence.wantsCard }, timeout: .seconds(10)))
        #expect(started.duration(to: harness.mock.loop.now()) >= StationPresence.rssiGrace)
        harness.presence.linkDown()
        #expect(!harness.presence.wantsCard)
    }

    @Test func withoutAnRSSISourceTheCardFollowsTheLinkAtOnce() throws {
        let harness = try Harness(hasRSSISource: false)
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        harness.presence.linkUp()
        #expect(harness.presence.wantsCard)
        harness.presence.linkDown()
        #expect(!harness.presence.wantsCard)
    }

    @Test func aPauseWithholdsTheLockUntilItEndsWhileThePhoneIsStillAway() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        harness.presence.linkUp()
        harness.source.send(-55)
        try harness.presence.pauseAutoLock(for: .seconds(3))
        #expect(harness.presence.pausedUntil != nil)
        harness.source.send(-95)
        #expect(harness.presence.state == .away)
        #expect(!harness.run(until: { try harness.locks() > 0 }, timeout: .seconds(1)))
        #expect(harness.run(until: { harness.presence.lastLock != nil }, timeout: .seconds(10)))
        #expect(try harness.locks() == 1)
        #expect(harness.presence.pausedUntil == nil)
        #expect(harness.presence.lastLock?.reason.contains("withheld while auto-lock was paused") == true)
    }

    @Test func aPauseEndedByTheHoldersReturnLocksNothing() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        harness.presence.linkUp()
        harness.source.send(-55)
        try harness.presence.pauseAutoLock(for: .seconds(60))
        harness.source.send(-95)
        harness.source.send(-55)
        harness.presence.resumeAutoLock()
        #expect(harness.presence.pausedUntil == nil)
        #expect(!harness.run(until: { try harness.locks() > 0 }, timeout: .milliseconds(500)))
    }

    @Test(arguments: [Duration.zero, .milliseconds(999), .seconds(8 * 3600 + 1)])
    func aPauseOutsideOneSecondToEightHoursIsRefused(_ duration: Duration) throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        #expect(throws: StationDaemonError.self) { try harness.presence.pauseAutoLock(for: duration) }
        #expect(harness.presence.pausedUntil == nil)
    }

    @Test func calibrationNeedsTheLinkThenKeepsTheMedianAndJudgesByIt() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        var result: Result<ProximityBaseline, StationDaemonError>?
        harness.presence.calibrate(for: .seconds(5)) { result = $0 }
        #expect(throws: StationDaemonError.self) { try result?.get() }
        #expect((try? result?.get()) == nil)
        if case .failure(let error) = result { #expect(error.code == .notConnected) }

        result = nil
        harness.presence.linkUp()
        harness.presence.calibrate(for: .seconds(5)) { result = $0 }
        harness.source.send(-50, count: 12)
        harness.source.send(-90, count: 1)
        #expect(harness.run(until: { result != nil }, timeout: .seconds(15)))
        #expect(try result?.get() == ProximityBaseline(connection: -50))
        let stored = try BaselineFile(environment: ["STATE_DIRECTORY": harness.directory]).load()
        #expect(stored?.connection == -50)
    }

    @Test func tooFewReadingsFailTheCalibrationAndKeepNothing() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        var result: Result<ProximityBaseline, StationDaemonError>?
        harness.presence.linkUp()
        harness.presence.calibrate(for: .seconds(5)) { result = $0 }
        harness.source.send(-50, count: 3)
        #expect(harness.run(until: { result != nil }, timeout: .seconds(15)))
        if case .failure(let error) = result {
            #expect(error.code == .calibrationFailed)
        } else {
            Issue.record("calibration with 3 readings answered \(String(describing: result))")
        }
        #expect(try BaselineFile(environment: ["STATE_DIRECTORY": harness.directory]).load() == nil)
    }

    @Test func aRefusedLockIsTriedAgainWhileThePhoneIsAway() throws {
        let harness = try Harness(withSession: false)
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        harness.presence.linkUp()
        harness.source.send(-55)
        harness.source.send(-95)
        #expect(harness.presence.state == .away)
        // No session to lock yet: the first try fails; the session appears; a later try locks it.
        #expect(!harness.run(until: { harness.presence.lastLock != nil }, timeout: .milliseconds(500)))
        try harness.addSession()
        #expect(harness.run(until: { harness.presence.lastLock != nil }, timeout: .seconds(10)))
        #expect(try harness.locks() == 1)
    }

    @Test func aLinkLostDuringTheCalibrationEndsItAndKeepsNothing() throws {
        let harness = try Harness()
        defer { try? FileManager.default.removeItem(atPath: harness.directory) }
        var result: Result<ProximityBaseline, StationDaemonError>?
        harness.presence.linkUp()
        harness.presence.calibrate(for: .seconds(5)) { result = $0 }
        harness.source.send(-50, count: 12)
        harness.presence.linkDown()
        if case .failure(let error) = result {
            #expect(error.code == .notConnected)
        } else {
            Issue.record("a calibration across a link loss answered \(String(describing: result))")
        }
        #expect(try BaselineFile(environment: ["STATE_DIRECTORY": harness.directory]).load() == nil)
    }
}
