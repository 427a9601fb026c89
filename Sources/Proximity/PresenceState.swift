/// Where the engine believes the device is.
public enum PresenceState: String, Hashable, Sendable, CaseIterable, Codable {
    /// Heard, and the signal is near the holder's seated baseline.
    case near
    /// Heard, but weaker than the seated baseline by more than the near band: a posture change, or the start of
    /// a walk-away. Nothing is decided yet.
    case uncertain
    /// Heard, and far below the seated baseline for the away dwell: the holder has left.
    case away
    /// Not heard: the link is down and no advertisement came within the advertisement timeout.
    case lost
}
