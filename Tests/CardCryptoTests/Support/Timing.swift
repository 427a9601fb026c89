import Foundation

/// Average wall time of `rounds` runs of `body`, for the timings the tests print.
func averageTime(rounds: Int, _ body: () throws -> Void) rethrows -> Duration {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<rounds { try body() }
    return (clock.now - start) / rounds
}

/// "12.345 ms".
func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    return String(format: "%.3f ms", Double(seconds) * 1_000 + Double(attoseconds) / 1e15)
}
