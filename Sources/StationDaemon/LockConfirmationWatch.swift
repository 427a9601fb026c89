import DBus
import EventLoop

/// One lock waiting for the desktop's confirmation: it finishes once, confirmed as soon as LockSession has been
/// answered and LockedHint is (or was already, or became meanwhile) true, or by `SessionLocker` at the deadline.
final class LockConfirmationWatch {
    let session: LogindSession
    /// The session's PropertiesChanged; kept until the watch finishes.
    var match: DBusRegistration?
    /// The confirm deadline, armed once logind has answered LockSession.
    var timer: TimerSource?

    private var isLockSessionAnswered = false
    private var sawLocked: Bool
    private var isFinished = false
    private let onFinish: (Result<SessionLockOutcome, StationDaemonError>) -> Void

    init(session: LogindSession, onFinish: @escaping (Result<SessionLockOutcome, StationDaemonError>) -> Void) {
        self.session = session
        // Already locked before we asked: LockSession changes nothing, the session is locked.
        sawLocked = session.lockedHint
        self.onFinish = onFinish
    }

    /// LockedHint became true. Before logind answered LockSession it only counts once the answer is a success.
    func sawLockedHint() {
        sawLocked = true
        if isLockSessionAnswered {
            finish(.success(outcome(.confirmed)))
        }
    }

    /// logind accepted LockSession.
    func lockSessionAnswered() {
        isLockSessionAnswered = true
        if sawLocked {
            finish(.success(outcome(.confirmed)))
        }
    }

    func outcome(_ confirmation: SessionLockOutcome.Confirmation) -> SessionLockOutcome {
        SessionLockOutcome(sessionID: session.id, wasActive: session.isActive, confirmation: confirmation)
    }

    /// Ends the watch (its match and timer) and reports `result`; only the first call counts.
    func finish(_ result: Result<SessionLockOutcome, StationDaemonError>) {
        guard !isFinished else { return }
        isFinished = true
        match?.cancel()
        timer?.cancel()
        onFinish(result)
    }
}
