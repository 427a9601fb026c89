/// Operations counted over measured wall time, kept per round so the spread between rounds shows the noise.
struct Measurement {
    private(set) var operations = 0
    private(set) var elapsed = Duration.zero
    private(set) var roundRates: [Double] = []

    mutating func add(operations count: Int, elapsed time: Duration) {
        operations += count
        elapsed += time
        roundRates.append(Double(count) / time.seconds)
    }

    /// Operations per second over all rounds.
    var rate: Double { operations == 0 ? 0 : Double(operations) / elapsed.seconds }

    /// Half the range of the per-round rates, relative to the overall rate; nil with fewer than two rounds.
    var spread: Double? {
        guard roundRates.count >= 2, let low = roundRates.min(), let high = roundRates.max(), rate > 0 else { return nil }
        return (high - low) / 2 / rate
    }

    /// Runs `operation` back to back until `duration` has passed; returns how many ran and the time they took.
    static func time(for duration: Duration, _ operation: () throws -> Void) rethrows -> (Int, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        var elapsed = Duration.zero
        repeat {
            try operation()
            count += 1
            elapsed = start.duration(to: clock.now)
        } while elapsed < duration
        return (count, elapsed)
    }
}
