/// The median of the samples of the last `window`, the newest included: fast fading's single deep dips (10–20
/// dB below the mean, a few percent of samples) move a median little and a mean a lot. At low sample rates the
/// window may hold one sample; the engine's dwell rules then ask for more than one.
struct MedianFilter: Sendable {
    let window: Duration
    private var samples: [(time: Duration, value: Double)] = []

    init(window: Duration) {
        self.window = window
    }

    /// Adds a sample and returns the median of the window.
    mutating func add(_ value: Double, now: Duration) -> Double {
        samples.append((now, value))
        let oldest = now - window
        if let keep = samples.firstIndex(where: { $0.time >= oldest }), keep > 0 {
            samples.removeFirst(keep)
        }
        let sorted = samples.map(\.value).sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    mutating func reset() {
        samples.removeAll(keepingCapacity: true)
    }
}
