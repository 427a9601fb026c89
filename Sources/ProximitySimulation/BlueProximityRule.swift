import Proximity

/// BlueProximity 1.2.5 [BP]: the raw reading (buffer of one) at or beyond its lock distance for 6 s locks; no link
/// reads as −255, gone. Its distance 7 is relative to BR/EDR's Golden Receive Power Range, whose lower limit is
/// at most −56 dBm [HCI]: on LE's absolute scale that is −63 dBm. It re-arms at its unlock distance 4 (−60 dBm).
public struct BlueProximityRule: LockPolicy {
    public var lockBelow = -63.0
    public var rearmAbove = -60.0
    public var dwell = 6.0
    public var name: String { "BlueProximity (raw < −63 dBm, 6 s)" }

    public init() {}

    public func lockTimes(in trace: Trace) -> [Double] {
        var locks: [Double] = []
        var condition = SustainedCondition(dwell: dwell)
        var armed = true
        for sample in trace.samples {
            let rssi = sample.rssi ?? -255
            if rssi >= rearmAbove { armed = true }
            if condition.update(holds: rssi < lockBelow, at: sample.time) && armed {
                armed = false
                locks.append(sample.time)
            }
        }
        return locks
    }
}
