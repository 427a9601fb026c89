import Proximity

/// Runs `ProximityEngine` over a trace as the station would: link events from the samples (a connected trace's
/// empty sample is the link down), each sample in order, and the engine's timer fired at its deadline whenever
/// it falls before the next sample.
public struct EngineReplay: Sendable {
    /// One action and the trace time (s) it was taken at.
    public struct TimedAction: Hashable, Sendable {
        public var time: Double
        public var action: ProximityAction
        /// The index of the sample whose handling produced it; a timer's action belongs to the sample after it.
        public var sample: Int
    }

    public let settings: ProximitySettings
    public let baseline: ProximityBaseline

    public init(settings: ProximitySettings = ProximitySettings(), baseline: ProximityBaseline = ProximityBaseline()) {
        self.settings = settings
        self.baseline = baseline
    }

    public func run(_ trace: Trace) -> [TimedAction] {
        var engine = ProximityEngine(settings: settings, baseline: baseline)
        var actions: [TimedAction] = []
        func record(_ new: [ProximityAction], at time: Double, sample: Int) {
            for action in new {
                switch action {
                case .armTimer, .disarmTimer: continue
                case .stateChanged, .lock, .removeCard, .presentCard:
                    actions.append(TimedAction(time: time, action: action, sample: sample))
                }
            }
        }
        for (index, sample) in trace.samples.enumerated() {
            let now = Self.duration(sample.time)
            while let deadline = engine.deadline, deadline <= now {
                record(engine.handleTimer(now: deadline), at: Self.seconds(deadline), sample: index)
            }
            switch (trace.source, sample.rssi) {
            case (.connection, nil):
                if engine.isLinkUp { record(engine.receive(.linkDown, now: now), at: sample.time, sample: index) }
            case (.connection, let rssi?):
                if !engine.isLinkUp { record(engine.receive(.linkUp, now: now), at: sample.time, sample: index) }
                record(engine.receive(.rssi(dBm: rssi, source: .connection), now: now), at: sample.time, sample: index)
            case (.advertisement, let rssi?):
                record(engine.receive(.rssi(dBm: rssi, source: .advertisement), now: now), at: sample.time, sample: index)
            case (.advertisement, nil):
                continue
            }
        }
        let end = Self.duration(trace.duration)
        while let deadline = engine.deadline, deadline <= end {
            record(engine.handleTimer(now: deadline), at: Self.seconds(deadline), sample: trace.samples.count)
        }
        return actions
    }

    /// Trace seconds as the engine's clock, to the microsecond.
    static func duration(_ seconds: Double) -> Duration {
        .microseconds(Int64((seconds * 1e6).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
