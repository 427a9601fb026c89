/// What the shell does after a call into `PairingStateMachine`, in order.
public enum PairingAction: Hashable, Sendable {
    /// Carry these bytes (one pairing message) to the peer in a link frame.
    case send([UInt8])
    /// Show this code to the user, then call `confirm(code:)` if it is the one the other side shows, `reject()`
    /// if not.
    case showCode(PairingCode)
    /// Call `handleTimer(now:)` at this instant (same clock as `now`); replaces any earlier timer.
    case armTimer(at: Duration)
    /// Both users confirmed and both sides proved their keys: store this peer key now. The ceremony is over,
    /// and its timer with it.
    case paired(PairingPublicKey)
    /// The ceremony is dead, for this reason; store nothing. Its timer is over too.
    case fail(PairingError)
}
