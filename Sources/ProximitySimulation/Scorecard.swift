/// How one policy did on one model's traces.
public struct Scorecard: Hashable, Sendable {
    /// The targets: median ≤ 1.5 s and p95 ≤ 5 s from passing 3 m to the lock, ≤ 0.05 false locks in an
    /// 8-hour seated day.
    public static let targetMedian = 1.5
    public static let targetP95 = 5.0
    public static let targetFalseLocksPer8h = 0.05

    public var policy: String
    public var model: String
    public var walkAways: Int
    /// Seconds from passing 3 m to the first lock after standing up; a lock before 3 m counts 0, none at all
    /// counts infinite.
    public var medianTimeToLock: Double
    public var p95TimeToLock: Double
    /// Walk-aways that never locked within the trace.
    public var missedWalkAways: Int
    /// Locks while seated before the walk-aways (the baseline is being learnt there).
    public var warmUpLocks: Int
    public var days: Int
    public var falseLocks: Int

    public var falseLocksPer8h: Double { days == 0 ? 0 : Double(falseLocks) / Double(days) }

    public var meetsTargets: Bool {
        medianTimeToLock <= Self.targetMedian && p95TimeToLock <= Self.targetP95
            && falseLocksPer8h <= Self.targetFalseLocksPer8h
    }

    /// The median and the nearest-rank 95th percentile of times, where infinity means never.
    static func medianAndP95(_ times: [Double]) -> (median: Double, p95: Double) {
        guard !times.isEmpty else { return (.infinity, .infinity) }
        let sorted = times.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        let rank = Int((0.95 * Double(sorted.count)).rounded(.up)) - 1
        return (median, sorted[max(rank, 0)])
    }
}
