import Proximity

/// Drives a `ProximityEngine` in seconds, firing its timer as a shell would, and records what it asks for.
struct EngineHarness {
    var engine: ProximityEngine
    private(set) var log: [(time: Double, action: ProximityAction)] = []
    private(set) var now = 0.0

    init(settings: ProximitySettings = ProximitySettings(), baseline: ProximityBaseline = ProximityBaseline()) {
        engine = ProximityEngine(settings: settings, baseline: baseline)
    }

    static func instant(_ seconds: Double) -> Duration { .microseconds(Int64((seconds * 1e6).rounded())) }

    /// Moves the clock to `time`, firing the timer on the way.
    mutating func advance(to time: Double) {
        while let deadline = engine.deadline, deadline <= Self.instant(time) {
            let at = Double(deadline.components.seconds) + Double(deadline.components.attoseconds) * 1e-18
            record(engine.handleTimer(now: deadline), at: at)
        }
        now = time
    }

    mutating func send(_ event: ProximityEvent, at time: Double) {
        advance(to: time)
        record(engine.receive(event, now: Self.instant(time)), at: time)
    }

    /// Connected samples every `period` seconds from `start` for `count` samples, bringing the link up first.
    mutating func samples(_ dBm: Double, from start: Double, count: Int, period: Double = 0.5) {
        if !engine.isLinkUp { send(.linkUp, at: start) }
        for index in 0..<count {
            send(.rssi(dBm: dBm, source: .connection), at: start + Double(index) * period)
        }
    }

    private mutating func record(_ actions: [ProximityAction], at time: Double) {
        log += actions.map { (time, $0) }
    }

    var locks: [Double] { log.compactMap { if case .lock = $0.action { $0.time } else { nil } } }

    var states: [PresenceState] {
        log.compactMap { if case .stateChanged(let state, _) = $0.action { state } else { nil } }
    }

    func times(of wanted: ProximityAction) -> [Double] { log.filter { $0.action == wanted }.map(\.time) }

    func firstTime(entering state: PresenceState, after time: Double = -1) -> Double? {
        log.first { entry in
            if case .stateChanged(state, _) = entry.action { entry.time > time } else { false }
        }?.time
    }
}
