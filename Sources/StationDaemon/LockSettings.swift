/// How the station locks the holder's desktop session when the proximity engine says so (station.conf's `lock:`
/// section, read by `LockConfig`).
public struct LockSettings: Hashable, Sendable {
    /// The account whose session is locked: a login name (resolved with getpwnam when locking) or a uid.
    public enum User: Hashable, Sendable, CustomStringConvertible {
        case name(String)
        case uid(UInt32)

        public var description: String {
            switch self {
            case .name(let name): name
            case .uid(let uid): "uid \(uid)"
            }
        }
    }

    /// Whose session to lock; nil: not configured, and locking fails with a message saying to set `lock.user`.
    public var user: User?
    /// How long to wait for the desktop to report the session locked (`LockedHint`) after LockSession.
    public var confirmTimeout: Duration

    public static let defaultConfirmTimeout = Duration.seconds(5)

    public init(user: User? = nil, confirmTimeout: Duration = LockSettings.defaultConfirmTimeout) {
        self.user = user
        self.confirmTimeout = confirmTimeout
    }
}
