/// What `SessionLocker.lock` did: which session logind was asked to lock, and whether the desktop confirmed it.
public struct SessionLockOutcome: Hashable, Sendable {
    public enum Confirmation: Hashable, Sendable {
        /// The session's `LockedHint` became true within the confirm timeout (or already was).
        case confirmed
        /// It did not: the desktop has no screen locker that listens to logind, or it was too slow.
        case notConfirmed
    }

    /// logind's session id, e.g. `2` or `c1`.
    public let sessionID: String
    /// False when the user's session was not the seat's active one (another session was on screen, e.g. after a
    /// VT switch); it is locked all the same, so that switching back shows the locker.
    public let wasActive: Bool
    public let confirmation: Confirmation

    public init(sessionID: String, wasActive: Bool, confirmation: Confirmation) {
        self.sessionID = sessionID
        self.wasActive = wasActive
        self.confirmation = confirmation
    }
}
