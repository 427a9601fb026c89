/// Exponential backoff with jitter for reconnecting: the base delay doubles from `initial` up to `maximum`,
/// and each delay is drawn uniformly from the upper half of the base, [base/2, base], so that several cards
/// restarted together do not retry in lock-step while a delay still never exceeds `maximum`.
struct Backoff {
    let initial: Duration
    let maximum: Duration
    private var base: Duration

    init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        precondition(initial > .zero && initial <= maximum, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
        base = initial
    }

    /// The delay before the next attempt; each call doubles the base for the one after.
    mutating func nextDelay(using generator: inout some RandomNumberGenerator) -> Duration {
        let current = base
        base = min(base * 2, maximum)
        let half = current / 2
        return half + half * Double.random(in: 0...1, using: &generator)
    }

    /// Back to `initial`, after an attempt succeeded.
    mutating func reset() {
        base = initial
    }
}
