import Proximity

/// Windows Dynamic Lock [MS-DL]: the phone is out of range once its signal is below `rssiMin` −10 (relative to
/// the Golden Receive Power Range, so −66 dBm here as for BlueProximity) or the link is down, and the PC locks
/// about 30 s after that [Thurrott][WinCentral]. Its idle gate (no input for 30 s) is left out: the simulated
/// holder never types.
public struct WindowsDynamicLockRule: LockPolicy {
    public var outOfRangeBelow = -66.0
    public var delay = 30.0
    public var name: String { "Windows Dynamic Lock (−10, ~30 s)" }

    public init() {}

    public func lockTimes(in trace: Trace) -> [Double] {
        var locks: [Double] = []
        var condition = SustainedCondition(dwell: delay)
        for sample in trace.samples {
            let outOfRange = sample.rssi.map { $0 < outOfRangeBelow } ?? true
            if condition.update(holds: outOfRange, at: sample.time) { locks.append(sample.time) }
        }
        return locks
    }
}
