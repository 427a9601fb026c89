import Proximity

/// GNOME "Bluetooth Smart Lock" [GBSL]: locks after the device has been disconnected for 60 s; signal strength
/// plays no part. On advertisement-only traces there is no link, so it never locks.
public struct GnomeSmartLockRule: LockPolicy {
    public var delay = 60.0
    public var name: String { "GNOME smartlock (link loss + 60 s)" }

    public init() {}

    public func lockTimes(in trace: Trace) -> [Double] {
        guard trace.source == .connection else { return [] }
        var locks: [Double] = []
        var condition = SustainedCondition(dwell: delay)
        for sample in trace.samples where condition.update(holds: sample.rssi == nil, at: sample.time) {
            locks.append(sample.time)
        }
        return locks
    }
}
