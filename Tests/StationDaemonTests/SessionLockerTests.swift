import BusTesting
import DBus
import EventLoop
import StationDaemon
import Testing

/// SessionLocker against python-dbusmock's logind template on a private bus. Every scenario ends by checking that
/// nothing unlocked: no UnlockSession/UnlockSessions on the manager, no Unlock on any session.
@Suite struct SessionLockerTests {
    /// A locker on the mock's bus; `lock(reason:)` runs the loop until its completion, within a deadline.
    private struct Harness {
        let mock: LogindMock
        let locker: SessionLocker
        var log: [String] { logged.lines }
        private let logged: Lines

        init(_ mock: LogindMock, user: LockSettings.User, confirmTimeout: Duration = .milliseconds(300)) {
            self.mock = mock
            let logged = Lines()
            self.logged = logged
            locker = SessionLocker(
                connection: mock.connection, loop: mock.loop,
                settings: LockSettings(user: user, confirmTimeout: confirmTimeout)
            ) { logged.lines.append($0) }
        }

        func lock() throws -> Result<SessionLockOutcome, StationDaemonError> {
            var result: Result<SessionLockOutcome, StationDaemonError>?
            locker.lock(reason: "the phone walked away") { result = $0 }
            guard mock.loop.run(until: { result != nil }, timeout: .seconds(30)), let result else {
                throw ChildProcess.Failure(description: "lock did not complete")
            }
            #expect(try mock.unlockCalls() == 0)
            return result
        }
    }

    private final class Lines {
        var lines: [String] = []
    }

    @Test func locksTheUsersActiveWaylandSessionFoundByName() throws {
        let mock = try LogindMock()
        // getpwnam("root") is uid 0 on every machine.
        try mock.addSession("c1", uid: 0, user: "root", active: true, properties: ["Type": .string("wayland")])
        let harness = Harness(mock, user: .name("root"))
        let outcome = try harness.lock().get()
        #expect(outcome == SessionLockOutcome(sessionID: "c1", wasActive: true, confirmation: .notConfirmed))
        #expect(try mock.lockedSessionIDs() == ["c1"])
    }

    @Test func confirmsThroughLockedHintWhenTheDesktopLocks() throws {
        let mock = try LogindMock()
        try mock.addSession("c1", uid: 1000, user: "alice", active: true, properties: ["Type": .string("x11")])
        try mock.lockSessionEmitsLock()
        let desktop = try DesktopLocker(session: "c1", mock: mock)
        let timeout = Duration.seconds(20)
        let harness = Harness(mock, user: .uid(1000), confirmTimeout: timeout)
        let started = MonotonicInstant.now()
        let outcome = try harness.lock().get()
        #expect(outcome == SessionLockOutcome(sessionID: "c1", wasActive: true, confirmation: .confirmed))
        // Confirmed by the signal, not at the deadline.
        #expect(started.duration(to: MonotonicInstant.now()) < timeout)
        #expect(desktop.locks == 1)
        #expect(desktop.unlocks == 0)
        #expect(try mock.lockedSessionIDs() == ["c1"])
        #expect(harness.log.contains { $0.contains("session c1 is locked") })
    }

    @Test func notConfirmedAtTheDeadlineWhenNoLockerSetsLockedHint() throws {
        let mock = try LogindMock()
        try mock.addSession("c1", uid: 1000, user: "alice", active: true, properties: ["Type": .string("wayland")])
        try mock.lockSessionEmitsLock()
        let timeout = Duration.milliseconds(500)
        let harness = Harness(mock, user: .uid(1000), confirmTimeout: timeout)
        let started = MonotonicInstant.now()
        let outcome = try harness.lock().get()
        #expect(outcome.confirmation == .notConfirmed)
        #expect(started.duration(to: MonotonicInstant.now()) >= timeout)
        #expect(try mock.lockedSessionIDs() == ["c1"])
        #expect(harness.log.contains { $0.contains("did not report it locked") })
    }

    @Test func alreadyLockedSessionIsConfirmedAtOnce() throws {
        let mock = try LogindMock()
        try mock.addSession(
            "c1", uid: 1000, user: "alice", active: true,
            properties: ["Type": .string("wayland"), "LockedHint": .boolean(true)])
        let timeout = Duration.seconds(20)
        let harness = Harness(mock, user: .uid(1000), confirmTimeout: timeout)
        let started = MonotonicInstant.now()
        #expect(try harness.lock().get().confirmation == .confirmed)
        #expect(started.duration(to: MonotonicInstant.now()) < timeout)
        #expect(try mock.lockedSessionIDs() == ["c1"])
    }

    @Test func anotherUsersActiveSessionIsNeverLockedButTheUsersOtherVTIs() throws {
        let mock = try LogindMock()
        try mock.addSession("c1", uid: 1000, user: "alice", active: false, properties: ["Type": .string("x11")])
        // Added last, bob's session is seat0's active one.
        try mock.addSession("c2", uid: 1001, user: "bob", active: true, properties: ["Type": .string("wayland")])
        let harness = Harness(mock, user: .uid(1000))
        let outcome = try harness.lock().get()
        #expect(outcome.sessionID == "c1")
        #expect(outcome.wasActive == false)
        #expect(try mock.lockedSessionIDs() == ["c1"])
        #expect(harness.log.contains { $0.contains("another session is on screen") })
    }

    @Test func noSessionForTheUserIsAClearErrorAndLocksNothing() throws {
        let mock = try LogindMock()
        try mock.addSession("c2", uid: 1001, user: "bob", active: true, properties: ["Type": .string("wayland")])
        let harness = Harness(mock, user: .uid(1000))
        let error = try #require(throws: StationDaemonError.self) { try harness.lock().get() }
        #expect(error.code == .noUserSession)
        #expect(error.detail.contains("uid 1000"))
        #expect(error.detail.contains("set lock.user"))
        #expect(!error.detail.contains("\n"))
        #expect(try mock.lockedSessionIDs().isEmpty)
    }

    @Test(arguments: [
        ("Class", DBusValue.string("greeter"), "its class is greeter"),
        ("Class", DBusValue.string("lock-screen"), "its class is lock-screen"),
        ("Remote", DBusValue.boolean(true), "it is remote"),
        ("Type", DBusValue.string("tty"), "its type is tty"),
        ("Type", DBusValue.string("unspecified"), "its type is unspecified"),
    ])
    func sessionsWithoutALocalDesktopAreNotTaken(property: String, value: DBusValue, reason: String) throws {
        let mock = try LogindMock()
        var properties: [String: DBusValue] = ["Type": .string("wayland")]
        properties[property] = value
        try mock.addSession("c1", uid: 1000, user: "alice", active: true, properties: properties)
        let harness = Harness(mock, user: .uid(1000))
        let error = try #require(throws: StationDaemonError.self) { try harness.lock().get() }
        #expect(error.code == .noUserSession)
        #expect(error.detail.contains(reason))
        #expect(try mock.lockedSessionIDs().isEmpty)
    }

    @Test func logindNotOnTheBusIsAClearError() throws {
        let mock = try LogindMock(startingLogind: false)
        let harness = Harness(mock, user: .uid(1000))
        var result: Result<SessionLockOutcome, StationDaemonError>?
        harness.locker.lock(reason: "test") { result = $0 }
        #expect(mock.loop.run(until: { result != nil }))
        let error = try #require(throws: StationDaemonError.self) { try result?.get() }
        #expect(error.code == .logindUnavailable)
        #expect(!error.detail.contains("\n"))
    }

    @Test func aRefusedLockSessionIsALockFailure() throws {
        let mock = try LogindMock()
        try mock.addSession("c1", uid: 1000, user: "alice", active: true, properties: ["Type": .string("wayland")])
        try mock.defineLockSession(
            #"raise dbus.exceptions.DBusException("Access denied", name="org.freedesktop.DBus.Error.AccessDenied")"#)
        let harness = Harness(mock, user: .uid(1000))
        let error = try #require(throws: StationDaemonError.self) { try harness.lock().get() }
        #expect(error.code == .lockFailed)
        #expect(error.detail.contains("AccessDenied"))
        #expect(!error.detail.contains("\n"))
    }

    @Test func aUserWithoutAnAccountIsAConfigError() throws {
        let mock = try LogindMock(startingLogind: false)
        let harness = Harness(mock, user: .name("no-such-user-pivlink"))
        var result: Result<SessionLockOutcome, StationDaemonError>?
        harness.locker.lock(reason: "test") { result = $0 }
        let error = try #require(throws: StationDaemonError.self) { try result?.get() }
        #expect(error.code == .invalidConfig)
        #expect(error.detail.contains("lock.user"))
    }
}
