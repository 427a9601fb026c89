/// One source's seated level, adapted online from filtered samples taken while the device is near.
///
/// Without a calibrated start it learns a plain running mean for the first `timeConstant`, then an exponential
/// mean with that time constant: each update uses only what was heard so far (no look-ahead).
struct BaselineTracker: Sendable {
    let timeConstant: Double
    private(set) var level: Double?
    /// Seconds of signal averaged so far, capped at the time constant (a calibrated level counts as full).
    private var learnt: Double
    private var lastUpdate: Duration?

    init(timeConstant: Duration, level: Double?) {
        self.timeConstant = timeConstant.seconds
        self.level = level
        learnt = level == nil ? 0 : self.timeConstant
    }

    /// Folds a filtered level in. The weight of each update is the time it stands for, so the adaptation runs
    /// at the same pace at 0.5 Hz and at 10 Hz; a gap (link down, away) counts as at most 5 s.
    mutating func update(_ value: Double, now: Duration) {
        let step = lastUpdate.map { min(max((now - $0).seconds, 0), 5) } ?? 1
        lastUpdate = now
        guard let current = level else {
            level = value
            learnt = step
            return
        }
        learnt = min(learnt + step, timeConstant)
        level = current + (value - current) * step / max(learnt, step)
    }

    /// Moves the level by `delta` dB: a new seated posture.
    mutating func shift(by delta: Double) {
        level = level.map { $0 + delta }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
