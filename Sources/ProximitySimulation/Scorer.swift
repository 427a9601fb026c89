import Proximity

/// Scores policies on the same seeded traces of one model: walk-aways for time-to-lock, seated 8-hour days for
/// false locks, `walkAways` and `days` under each seed, pooled. Each trace is generated once and given to every
/// policy.
public struct Scorer: Sendable {
    public var model: ChannelModel
    /// Per seed.
    public var walkAways: Int
    /// Per seed.
    public var days: Int
    public var seeds: [UInt64]

    public init(model: ChannelModel = .standard, walkAways: Int = 200, days: Int = 60, seeds: [UInt64]) {
        self.model = model
        self.walkAways = walkAways
        self.days = days
        self.seeds = seeds
    }

    public init(model: ChannelModel = .standard, walkAways: Int = 200, days: Int = 60, seed: UInt64 = 1) {
        self.init(model: model, walkAways: walkAways, days: days, seeds: [seed])
    }

    public func score(_ policies: [any LockPolicy]) -> [Scorecard] {
        let generator = TraceGenerator(model: model)
        var times = Array(repeating: [Double](), count: policies.count)
        var warmUpLocks = Array(repeating: 0, count: policies.count)
        var falseLocks = Array(repeating: 0, count: policies.count)
        for seed in seeds {
            score(policies, seed: seed, generator, &times, &warmUpLocks, &falseLocks)
        }
        return policies.indices.map { index in
            let (median, p95) = Scorecard.medianAndP95(times[index])
            return Scorecard(
                policy: policies[index].name, model: model.name, walkAways: walkAways * seeds.count,
                medianTimeToLock: median, p95TimeToLock: p95, missedWalkAways: times[index].filter(\.isInfinite).count,
                warmUpLocks: warmUpLocks[index], days: days * seeds.count, falseLocks: falseLocks[index])
        }
    }

    private func score(
        _ policies: [any LockPolicy], seed: UInt64, _ generator: TraceGenerator, _ times: inout [[Double]],
        _ warmUpLocks: inout [Int], _ falseLocks: inout [Int]
    ) {
        for index in 0..<walkAways {
            let trace = generator.walkAway(seed: seed, index: index)
            guard let walkStartsAt = trace.walkStartsAt, let passes = trace.passesThreeMetresAt else { continue }
            for (policyIndex, policy) in policies.enumerated() {
                let locks = policy.lockTimes(in: trace)
                warmUpLocks[policyIndex] += locks.filter { $0 < walkStartsAt }.count
                let lock = locks.first { $0 >= walkStartsAt }
                times[policyIndex].append(lock.map { max($0 - passes, 0) } ?? .infinity)
            }
        }
        for index in 0..<days {
            let trace = generator.seatedDay(seed: seed, index: index)
            for (policyIndex, policy) in policies.enumerated() {
                falseLocks[policyIndex] += policy.lockTimes(in: trace).count
            }
        }
    }

    /// pivlink's policy and the four anchors, in table order.
    public static func policies(settings: ProximitySettings = ProximitySettings()) -> [any LockPolicy] {
        [StationPolicy(settings: settings), BLEUnlockRule(), BlueProximityRule(), WindowsDynamicLockRule(), GnomeSmartLockRule()]
    }
}
