/// Exponential backoff with jitter between connection attempts: the base delay doubles from `initial` up to
/// `maximum`, and each delay is drawn from the upper half of the base, [base/2, base], so that stations started
/// together do not retry in lock-step. Pure: the randomness comes from a seeded generator.
public struct ReconnectBackoff: Hashable, Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var base: Duration
    private var random: SplitMix64

    /// Traps unless 0 < initial ≤ maximum (a configuration error, caught by the config reader first).
    public init(initial: Duration, maximum: Duration, seed: UInt64) {
        precondition(initial > .zero && initial <= maximum, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        base = initial
        random = SplitMix64(state: seed)
    }

    /// The delay before the next attempt; each call doubles the base for the one after.
    public mutating func nextDelay() -> Duration {
        let current = base
        base = min(base * 2, maximum)
        let half = current / 2
        return half + half * Double.random(in: 0...1, using: &random)
    }

    /// Back to `initial`, after an attempt succeeded.
    public mutating func reset() {
        base = initial
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small generator whose whole state is one word, so the backoff stays
/// a plain value.
struct SplitMix64: RandomNumberGenerator, Hashable, Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
