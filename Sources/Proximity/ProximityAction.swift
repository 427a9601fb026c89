/// What the station's shell does after a call into `ProximityEngine`, in order.
public enum ProximityAction: Hashable, Sendable {
    /// The presence state changed; for status, the D-Bus property and the log.
    case stateChanged(PresenceState, because: PresenceReason)
    /// Lock the holder's session (logind `LockSession`). Never more than once per away episode. There is no
    /// opposite action: the engine never unlocks anything.
    case lock(because: LockReason)
    /// Take the card out of PC/SC (close the vpcd connection).
    case removeCard
    /// Put the card into PC/SC again (the holder still needs the PIN to log in).
    case presentCard
    /// Call `handleTimer(now:)` at this instant; replaces any earlier timer.
    case armTimer(at: Duration)
    case disarmTimer
}

/// Why the presence state changed: the filtered drop below the seated baseline (dB) where it applies.
public enum PresenceReason: Hashable, Sendable {
    /// The filtered signal is within the near band of the baseline (or no baseline was known yet and the engine
    /// assumes the holder is seated, as when learning it).
    case signalNearBaseline(dropDB: Double)
    /// The filtered signal left the near band.
    case signalBelowBaseline(dropDB: Double)
    /// The filtered signal stayed far below the baseline for the away dwell.
    case signalFarBelowBaseline(dropDB: Double)
    /// A moderate drop that held still for the re-base time is taken as a new seated posture.
    case rebased(dropDB: Double)
    /// The device is heard again (link up, or an advertisement) and nothing is known of its distance yet.
    case heardAgain
    /// The link is down and no advertisement is heard.
    case notHeard
    /// The link's latest authenticated round trip took longer than `roundTripCeiling`: it may be relayed.
    case slowRoundTrip(milliseconds: Int)
}

/// Why the engine asks for a lock.
public enum LockReason: Hashable, Sendable {
    /// The filtered signal stayed at least `dropDB` below the seated baseline for the away dwell.
    case signalFarBelowBaseline(dropDB: Double)
    /// The link was lost just after the signal fell far below the baseline, and stayed lost: a walk-away.
    case lostWhileFalling
    /// The link has been lost for this long.
    case lostFor(Duration)
}
