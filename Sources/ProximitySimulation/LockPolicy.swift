import Proximity

/// A rule that decides, from the samples alone, when to lock: the station's engine or an anchor's rule.
public protocol LockPolicy: Sendable {
    var name: String { get }
    /// The trace times (s) at which the rule locks.
    func lockTimes(in trace: Trace) -> [Double]
}

/// pivlink's own policy: `ProximityEngine` with these settings, learning the baseline from the trace.
public struct StationPolicy: LockPolicy {
    public let settings: ProximitySettings
    public var name: String { "pivlink" }

    public init(settings: ProximitySettings = ProximitySettings()) {
        self.settings = settings
    }

    public func lockTimes(in trace: Trace) -> [Double] {
        EngineReplay(settings: settings).run(trace).compactMap { timed in
            if case .lock = timed.action { timed.time } else { nil }
        }
    }
}

/// A condition that locks once it has held for `dwell`, then not again until it clears: the shape of every
/// anchor's rule. Fed in time order.
struct SustainedCondition {
    let dwell: Double
    private var since: Double?
    private var fired = false

    init(dwell: Double) {
        self.dwell = dwell
    }

    /// Whether the rule locks at `time`.
    mutating func update(holds: Bool, at time: Double) -> Bool {
        guard holds else {
            since = nil
            fired = false
            return false
        }
        let start = since ?? time
        since = start
        guard !fired, time - start >= dwell else { return false }
        fired = true
        return true
    }
}
