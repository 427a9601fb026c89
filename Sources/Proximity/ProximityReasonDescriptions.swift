/// One line for each reason, as the station's log, its D-Bus `LastLockReason` and `pivlink proximity replay` show it.
extension PresenceReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .signalNearBaseline(let drop): "\(decibels(drop)) below the seated baseline: near"
        case .signalBelowBaseline(let drop): "\(decibels(drop)) below the seated baseline: out of the near band"
        case .signalFarBelowBaseline(let drop): "\(decibels(drop)) below the seated baseline, held for the away dwell"
        case .rebased(let drop): "a drop of \(decibels(drop)) held still: a new seated posture, the baseline moved"
        case .heardAgain: "heard again"
        case .notHeard: "not heard: link down, no advertisement"
        case .slowRoundTrip(let milliseconds): "a round trip of \(milliseconds) ms over the link, above the ceiling: relayed?"
        }
    }
}

extension LockReason: CustomStringConvertible {
    public var description: String {
        switch self {
        case .signalFarBelowBaseline(let drop): "the signal stayed \(decibels(drop)) below the seated baseline"
        case .lostWhileFalling: "the link was lost as the signal fell: walked away"
        case .lostFor(let duration): "the link has been lost for \(duration.components.seconds) s"
        }
    }
}

/// A drop in dB to one decimal.
private func decibels(_ value: Double) -> String {
    "\((value * 10).rounded() / 10) dB"
}
