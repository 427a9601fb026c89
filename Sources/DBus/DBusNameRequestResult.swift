/// The bus's answer to `RequestName`.
public enum DBusNameRequestResult: UInt32, Hashable, Sendable {
    /// We own the name now.
    case primaryOwner = 1
    /// Someone else owns it; we are queued and get `NameAcquired` when it is our turn.
    case inQueue = 2
    /// Someone else owns it and we asked not to queue.
    case exists = 3
    /// We already owned it.
    case alreadyOwner = 4
}
