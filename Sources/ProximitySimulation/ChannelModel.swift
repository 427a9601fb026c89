import Proximity

/// The channel model of research/proximity.md §2, with every parameter's value and source (the keys in
/// brackets are that file's source list; "(assume)" marks a value no measurement gave, chosen and stated):
///
///     RSSI(t) = P0 − 10·n·log10(d) + S(t) + F(t) − B(t) − O − Oposture,   none while the link is down
///
/// Per-trace values are drawn uniformly from the ranges below, so that each trace is a different device pair,
/// room and holder.
public struct ChannelModel: Hashable, Sendable {
    /// A short name for tables.
    public var name: String

    /// P0, the RSSI at 1 m (dBm): −48 measured at 1 m, −53 at 0.4 m elsewhere; "use −55 ± 8 per pair"
    /// [Marolf][NearLock-rel].
    public var referencePower: ClosedRange<Double> = -63 ... -47
    /// n, the path-loss exponent: 2.4–2.6 soft-partition office, BLE living room fit 2.42, 2.2 retail
    /// [Rappaport][Marolf].
    public var pathLossExponent: ClosedRange<Double> = 2.2 ... 2.8
    /// σ of the log-normal shadowing S (dB): 3.0–9.6 [Rappaport].
    public var shadowingSigma: ClosedRange<Double> = 3.0 ... 9.6
    /// S is AR(1) over the distance moved, decorrelating over this many metres: "~1–2 m" (assume).
    public var shadowingDecorrelation: ClosedRange<Double> = 1 ... 2
    /// The Rician K-factor of fast fading F while the holder sits in line of sight (linear). K = 4 (6 dB) gives a
    /// spread of ≈ 3 dB at a fixed spot, inside the 1.5–3.7 dB measured [Marolf]; Rician amplitude [Rappaport].
    public var seatedRicianK: Double = 4
    /// F's coherence time while seated (s): the holder's small movements (assume).
    public var seatedCoherence: Double = 1
    /// While walking with the body in the path the fading is Rayleigh (K = 0) [Rappaport], with a coherence time of
    /// λ/2v ≈ 0.05 s at 2.4 GHz and 1.3 m/s, shorter than any sample period: independent per sample.
    public var walkingRicianK: Double = 0
    /// B while walking away, the body between phone and computer (dB): ≥ 15 dB person-blockage fades [BodyShadow],
    /// up to 25 dB on-body [Remcom] → "B ~ U(10, 20)", on from the turn.
    public var walkingBodyBlock: ClosedRange<Double> = 10 ... 20
    /// O, the per-device offset (dB): "0–10 dB (assume)", "±10 dB across Mac/iPhone/case combinations" [farlock].
    public var deviceOffset: ClosedRange<Double> = 0 ... 10
    /// Seated distance d (m): "d 0.5–1 m" (§2 scoring), drawn anew at each posture.
    public var seatedDistance: ClosedRange<Double> = 0.5 ... 1.0
    /// Mean time between posture changes (s): "~20 min (assume)".
    public var postureChangeMean: Double = 1200
    /// Oposture, each posture's orientation and placement offset (dB): "O/B per posture" (§2 scoring); 0–6 dB
    /// (assume: a phone turned or moved on the desk or in a pocket, smaller than the ±10 dB between devices).
    public var postureOffset: ClosedRange<Double> = 0 ... 6
    /// The share of postures with the phone in a pocket partly behind the seated body (assume).
    public var seatedPocketShare: Double = 0.3
    /// B in such a posture (dB): partial blockage, up to half the walking blockage (assume).
    public var seatedBodyBlock: ClosedRange<Double> = 0 ... 10
    /// Walking speed (m/s): "1.2–1.4 m/s (assume)".
    public var walkingSpeed: ClosedRange<Double> = 1.2 ... 1.4
    /// Where the holder stops (m from the computer): past the "boundary 2–5 m" to a corridor or another room
    /// (assume).
    public var walkDestination: ClosedRange<Double> = 8 ... 25
    /// The receiver's sensitivity (dBm): the link fails when the local mean RSSI falls below it for the
    /// supervision timeout, 420 ms on a Linux central [kern]; typical BLE 1M receivers −90…−97 (assume).
    public var sensitivity: ClosedRange<Double> = -97 ... -90
    /// Spontaneous link drops while seated, per hour: connect/disconnect loops [tikt#22], BlueZ not reconnecting
    /// [GBSL] → 1 per hour (assume).
    public var linkDropsPerHour: Double = 1
    /// Their outage (s), log-uniform: supervision timeout plus the station's reconnect backoff from 1 s (assume).
    public var linkOutage: ClosedRange<Double> = 0.5 ... 20
    /// After the signal comes back above the sensitivity, the link is up again after this long (s): the
    /// station's backoff and a connection set-up (assume).
    public var reconnectDelay: ClosedRange<Double> = 1 ... 5

    /// What the station samples: the connected link's RSSI, or advertisements only.
    public var source: RSSISource = .connection
    /// Samples per second. Connected: raw HCI Read RSSI is fresh per poll, BlueZ's cached connection info 1–3 s
    /// [kern], BLEUnlock 0.5 Hz → 2 Hz. Advertisements: received adverts per second, 100 ms intervals times the
    /// scan duty [AndroidAdv].
    public var sampleRate: Double = 2
    /// Advertisements arrive on three channels whose gains differ (frequency-selective fading, antenna): each
    /// channel's offset is drawn from this range per trace (dB, assume).
    public var advertisingChannelOffset: ClosedRange<Double> = -3 ... 3

    public init(name: String) {
        self.name = name
    }

    /// research/proximity.md §2 as above.
    public static let standard = ChannelModel(name: "standard")

    /// Models other than `standard`'s assumptions, to check that the policy fits the physics rather than this
    /// simulator: other rooms, spreads and offsets, sample rates, and advertisements only.
    public static let variants: [ChannelModel] = {
        func variant(_ name: String, _ change: (inout ChannelModel) -> Void) -> ChannelModel {
            var model = ChannelModel(name: name)
            change(&model)
            return model
        }
        return [
            variant("open space n=1.8, P0 −45") { $0.pathLossExponent = 1.8 ... 1.8; $0.referencePower = -45 ... -45 },
            variant("hard walls n=3.0, P0 −63") { $0.pathLossExponent = 3.0 ... 3.0; $0.referencePower = -63 ... -63 },
            variant("shadowing σ 9.6 dB") { $0.shadowingSigma = 9.6 ... 9.6 },
            variant("shadowing σ 3 dB") { $0.shadowingSigma = 3 ... 3 },
            variant("device offset −10 dB") { $0.deviceOffset = -10 ... -10 },
            variant("device offset +10 dB") { $0.deviceOffset = 10 ... 10 },
            variant("0.5 Hz") { $0.sampleRate = 0.5 },
            variant("1 Hz") { $0.sampleRate = 1 },
            variant("10 Hz") { $0.sampleRate = 10 },
            variant("advertisements only, 3 Hz") { $0.source = .advertisement; $0.sampleRate = 3 },
            variant("weak body block 5–10 dB") { $0.walkingBodyBlock = 5 ... 10 },
        ]
    }()
}
