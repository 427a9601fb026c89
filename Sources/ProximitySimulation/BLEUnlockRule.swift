import Proximity

/// BLEUnlock (macOS) as shipped [BLEU]: the mean of the last 5 RSSI readings below −80 dBm for 5 s locks, and so
/// does 60 s without any reading ("lost"). It re-arms when the device is back above the threshold.
public struct BLEUnlockRule: LockPolicy {
    public var threshold = -80.0
    public var window = 5
    public var dwell = 5.0
    public var silence = 60.0
    public var name: String { "BLEUnlock (mean-5 < −80 dBm, 5 s)" }

    public init() {}

    public func lockTimes(in trace: Trace) -> [Double] {
        var locks: [Double] = []
        var recent: [Double] = []
        var condition = SustainedCondition(dwell: dwell)
        var lastHeard = 0.0
        var silenceLocked = false
        func checkSilence(until time: Double) {
            if !silenceLocked && time - lastHeard >= silence {
                silenceLocked = true
                locks.append(lastHeard + silence)
            }
        }
        for sample in trace.samples {
            checkSilence(until: sample.time)
            guard let rssi = sample.rssi else {
                recent.removeAll()
                continue
            }
            lastHeard = sample.time
            recent.append(rssi)
            if recent.count > window { recent.removeFirst() }
            let mean = recent.reduce(0, +) / Double(recent.count)
            if mean >= threshold { silenceLocked = false }
            // A lock for silence already covers the episode the readings now continue.
            if condition.update(holds: mean < threshold, at: sample.time) && !silenceLocked {
                locks.append(sample.time)
            }
        }
        checkSilence(until: trace.duration)
        return locks
    }
}
