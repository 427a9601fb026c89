import Proximity

/// A sequence of RSSI samples as the station hears them, with what the simulator knows about the holder.
public struct Trace: Hashable, Sendable {
    public struct Sample: Hashable, Sendable {
        /// Seconds from the trace's start.
        public var time: Double
        /// dBm; nil while the link is down (connected traces only: advertisement traces simply have no sample).
        public var rssi: Double?

        public init(time: Double, rssi: Double?) {
            self.time = time
            self.rssi = rssi
        }
    }

    public var source: RSSISource
    public var samples: [Sample]
    /// Seconds the trace covers (its last instant; samples may stop earlier).
    public var duration: Double
    /// When the holder stands up and turns to walk away (walk-aways only).
    public var walkStartsAt: Double?
    /// When the holder passes 3 m from the computer (walk-aways only).
    public var passesThreeMetresAt: Double?

    public init(
        source: RSSISource, samples: [Sample], duration: Double, walkStartsAt: Double? = nil,
        passesThreeMetresAt: Double? = nil
    ) {
        self.source = source
        self.samples = samples
        self.duration = duration
        self.walkStartsAt = walkStartsAt
        self.passesThreeMetresAt = passesThreeMetresAt
    }
}
