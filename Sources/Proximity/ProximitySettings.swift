/// The engine's thresholds and times. Every threshold on the phone's signal is a drop in dB below the seated
/// baseline, never an absolute dBm: devices, cases and rooms move absolute RSSI by ±10 dB (research/proximity.md
/// §2, [farlock]), while a drop relative to the same pair's seated level is what walking away changes. The one
/// absolute level, `lossFloor`, is the receiver's: where a link fails for want of signal, whatever the phone.
///
/// The defaults come from the physics of research/proximity.md §2: seated, the signal varies with posture
/// (position 0.5–1 m, orientation, a pocket partly behind the body) by up to 20–25 dB; walking away adds the
/// path loss of 10·n·log10(d/0.7 m) (≈ 15 dB at 3 m for n = 2.4) and a body blockage of 10–20 dB as the holder
/// turns. `awayDrop` sits between the two; `pivlink proximity simulate` scores them (README, "Walk-away lock").
public struct ProximitySettings: Hashable, Sendable {
    /// The median filter's window. A median ignores the deep single-sample fades of fast fading (Rayleigh dips of
    /// 10–20 dB) that a mean lets through. Default 1.5 s.
    public var filterWindow: Duration
    /// Filtered drop (dB) at or above which a near device becomes uncertain. Default 10 dB.
    public var uncertainDrop: Double
    /// Filtered drop (dB) below which an uncertain or away device becomes near again, after `nearDwell`;
    /// below `uncertainDrop` for hysteresis. Default 7 dB.
    public var nearDrop: Double
    /// Filtered drop (dB) at or above which the device is away (and the session locked) after `awayDwell`.
    /// Default 28 dB: seated posture changes (distance, orientation, a pocket behind the body) reach 20–25 dB now
    /// and then; walking away passes 28 dB by about 3 m (≈ 15 dB of path loss and 10–20 dB of body blockage).
    public var awayDrop: Double
    /// How long the filtered drop must stay at or above `awayDrop`. Default 0.5 s.
    public var awayDwell: Duration
    /// How long the filtered drop must stay below `nearDrop` before the device is near again (and the card
    /// presented). Default 1 s.
    public var nearDwell: Duration
    /// Samples a dwell needs at the least, whatever its duration: at 0.5 Hz one deep fade must not lock.
    /// Default 2.
    public var dwellSamples: Int
    /// A link lost when the last sample before the loss was at least this far below the baseline (dB), and came
    /// within `fallWindow` of it, is a walk-away, locked after `fallLossDelay`: the signal was falling into the
    /// loss. Raw, not filtered: a walk-away with a weak link loses it within a second of turning, before any filter
    /// has caught up. A seated link that drops for a moment rarely does so right after a 20 dB fade. Default 20 dB.
    public var fallDrop: Double
    /// The receiver's floor (dBm): a link lost right after a sample out of the near band (`nearDrop`) and at or
    /// below this level is a walk-away too, however small the drop, locked like a fall. A link fails when the
    /// signal stays under the receiver's sensitivity for the supervision timeout (−90…−97 dBm for BLE 1M
    /// receivers, research/proximity.md §2), so a pair seated near it loses the link within a step of turning,
    /// long before any drop reaches `fallDrop`; a link dropped by the phone or the stack at a strong level carries
    /// no such sign. −85 dBm is the least sensitive receivers' −90 dBm less the ±6 dB of LE RSSI's accuracy [HCI].
    /// Default −85 dBm.
    public var lossFloor: Double
    /// See `fallDrop`. Default 4 s.
    public var fallWindow: Duration
    /// How long a link lost after a fall stays lost before the lock: a seated link that drops for a moment just
    /// after a deep fade comes back within it. Default 0.5 s.
    public var fallLossDelay: Duration
    /// Lock when the link has been lost this long after the device became uncertain less than
    /// `uncertainLossWindow` before, its filtered drop still at or above `uncertainDrop` when the link went (a dip
    /// that had already recovered is no departure): it was walking off. Default 5 s.
    public var uncertainLossTimeout: Duration
    /// A device uncertain for longer than this is more likely seated in a new posture: its link loss waits the
    /// `linkLossTimeout`. Default 10 s.
    public var uncertainLossWindow: Duration
    /// Lock when the link has been lost this long after the device was near (a phone whose Bluetooth went
    /// off, a link that will not come back). Default 45 s; GNOME's smart lock waits 60 s.
    public var linkLossTimeout: Duration
    /// An uncertain device whose drop held below `awayDrop` this long is taken as seated in a new posture: the
    /// baseline moves to its level. Default 60 s.
    public var rebaseAfter: Duration
    /// Time constant of the baseline's online adaptation while near; also how long the first baseline is learnt
    /// as a plain mean when none was calibrated. Default 120 s.
    public var baselineTimeConstant: Duration
    /// Without a link, the device counts as heard this long after its last advertisement. Default 8 s.
    public var advertisementTimeout: Duration
    /// A link whose latest authenticated PING took longer than this to come back may be relayed: the device is
    /// uncertain, never near, until a round trip at or under it (research/proximity.md §3). Default 150 ms.
    ///
    /// A healthy link is quantised by its connection interval: the PING waits up to one interval for a connection
    /// event, and its PONG cannot ride the same event, so it comes back one to two intervals later; BlueZ's
    /// central uses 30–50 ms (net/bluetooth/hci_core.c), which gives 30–100 ms, plus well under a millisecond of
    /// airtime for a PING of 8 bytes and a few D-Bus and scheduler hops (research/ble.md §1.5, §2.5). The card's
    /// link machine answers a PING itself, without the card application, so no card work is in it; the research's
    /// rule of thumb, two intervals plus 10 ms (110 ms at 50 ms), leaves too little for a phone that is busy
    /// elsewhere or skips a connection event, so 40 ms more. The ceiling catches relays that add more than about
    /// one interval (an Internet or phone hop); a link-layer relay adding ~8 ms (NCC 2022) stays under any ceiling
    /// a healthy link can meet.
    public var roundTripCeiling: Duration

    public init(
        filterWindow: Duration = .milliseconds(1500),
        uncertainDrop: Double = 10,
        nearDrop: Double = 7,
        awayDrop: Double = 28,
        awayDwell: Duration = .milliseconds(500),
        nearDwell: Duration = .seconds(1),
        dwellSamples: Int = 2,
        fallDrop: Double = 20,
        lossFloor: Double = -85,
        fallWindow: Duration = .seconds(4),
        fallLossDelay: Duration = .milliseconds(500),
        uncertainLossTimeout: Duration = .seconds(5),
        uncertainLossWindow: Duration = .seconds(10),
        linkLossTimeout: Duration = .seconds(45),
        rebaseAfter: Duration = .seconds(60),
        baselineTimeConstant: Duration = .seconds(120),
        advertisementTimeout: Duration = .seconds(8),
        roundTripCeiling: Duration = .milliseconds(150)
    ) {
        self.filterWindow = filterWindow
        self.uncertainDrop = uncertainDrop
        self.nearDrop = nearDrop
        self.awayDrop = awayDrop
        self.awayDwell = awayDwell
        self.nearDwell = nearDwell
        self.dwellSamples = dwellSamples
        self.fallDrop = fallDrop
        self.lossFloor = lossFloor
        self.fallWindow = fallWindow
        self.fallLossDelay = fallLossDelay
        self.uncertainLossTimeout = uncertainLossTimeout
        self.uncertainLossWindow = uncertainLossWindow
        self.linkLossTimeout = linkLossTimeout
        self.rebaseAfter = rebaseAfter
        self.baselineTimeConstant = baselineTimeConstant
        self.advertisementTimeout = advertisementTimeout
        self.roundTripCeiling = roundTripCeiling
    }

    /// From 15 ms, the slowest healthy round trip at BLE's shortest connection interval (two of 7.5 ms,
    /// research/proximity.md §3), to 5 s.
    public static let roundTripCeilingRange = Duration.milliseconds(15) ... Duration.seconds(5)

    /// Checks ranges and order; the error names the setting and what it must be.
    public func validate() throws(ProximityError) {
        func invalid(_ what: String) -> ProximityError { ProximityError(.invalidSettings, what) }
        guard lossFloor.isFinite && (-120 ... -30).contains(lossFloor) else {
            throw invalid("lossFloor \(lossFloor) must be a level from -120 to -30 dBm")
        }
        let drops: [(String, Double)] = [
            ("nearDrop", nearDrop), ("uncertainDrop", uncertainDrop), ("awayDrop", awayDrop), ("fallDrop", fallDrop),
        ]
        for (name, value) in drops where !(value.isFinite && value > 0 && value <= 60) {
            throw invalid("\(name) \(value) must be a drop of more than 0 and at most 60 dB")
        }
        guard nearDrop < uncertainDrop else {
            throw invalid("nearDrop (\(nearDrop) dB) must be below uncertainDrop (\(uncertainDrop) dB) for hysteresis")
        }
        guard uncertainDrop < awayDrop else {
            throw invalid("uncertainDrop (\(uncertainDrop) dB) must be below awayDrop (\(awayDrop) dB)")
        }
        guard (1...20).contains(dwellSamples) else { throw invalid("dwellSamples \(dwellSamples) must be from 1 to 20") }
        let times: [(String, Duration, ClosedRange<Duration>)] = [
            ("filterWindow", filterWindow, .zero ... .seconds(30)),
            ("awayDwell", awayDwell, .zero ... .seconds(120)),
            ("nearDwell", nearDwell, .zero ... .seconds(120)),
            ("fallWindow", fallWindow, .zero ... .seconds(120)),
            ("fallLossDelay", fallLossDelay, .zero ... .seconds(120)),
            ("uncertainLossTimeout", uncertainLossTimeout, .zero ... .seconds(3600)),
            ("uncertainLossWindow", uncertainLossWindow, .zero ... .seconds(3600)),
            ("linkLossTimeout", linkLossTimeout, .zero ... .seconds(3600)),
            ("rebaseAfter", rebaseAfter, .seconds(1) ... .seconds(86400)),
            ("baselineTimeConstant", baselineTimeConstant, .seconds(1) ... .seconds(86400)),
            ("advertisementTimeout", advertisementTimeout, .milliseconds(100) ... .seconds(3600)),
            ("roundTripCeiling", roundTripCeiling, Self.roundTripCeilingRange),
        ]
        for (name, value, range) in times where !range.contains(value) {
            throw invalid("\(name) \(value) must be from \(range.lowerBound) to \(range.upperBound)")
        }
    }
}
