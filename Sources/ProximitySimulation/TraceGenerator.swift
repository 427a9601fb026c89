import Proximity

/// Seeded traces from a `ChannelModel`: walk-aways (seated, then stand, turn and walk off) and seated 8-hour days
/// (posture changes, spontaneous link drops). The same seed, model and index give the same trace.
public struct TraceGenerator: Sendable {
    public let model: ChannelModel
    /// How long the holder sits before a walk-away, so that the policy learns the baseline online from the trace
    /// as the station would (one baseline time constant and a half, at the defaults).
    public var walkAwayWarmUp: Double = 180
    /// How long a walk-away trace runs after the holder passes 3 m.
    public var walkAwayTail: Double = 90

    public init(model: ChannelModel) {
        self.model = model
    }

    private static let walkStream: UInt64 = 1
    private static let dayStream: UInt64 = 2

    /// Walk-away `index` under `seed`.
    public func walkAway(seed: UInt64, index: Int) -> Trace {
        var random = SimulationRandom(seed: seed, stream: Self.walkStream, index: index)
        let channel = RadioChannel(model: model, random: &random)
        var holder = WalkingHolder(model: model, walkStartsAt: walkAwayWarmUp, random: &random)
        let passes = holder.passesThreeMetresAt
        var trace = run(channel: channel, holder: &holder, duration: passes + walkAwayTail, random: &random)
        trace.walkStartsAt = walkAwayWarmUp
        trace.passesThreeMetresAt = passes
        return trace
    }

    /// Seated day `index` under `seed`.
    public func seatedDay(seed: UInt64, index: Int, hours: Double = 8) -> Trace {
        var random = SimulationRandom(seed: seed, stream: Self.dayStream, index: index)
        let channel = RadioChannel(model: model, random: &random)
        var holder = SeatedHolder(model: model, random: &random)
        return run(channel: channel, holder: &holder, duration: hours * 3600, random: &random)
    }

    /// Steps the channel and the link at the sample period (at most 0.1 s while the holder moves, so that the
    /// link's supervision timeout is resolved), and samples at the model's rate.
    private func run(
        channel: RadioChannel, holder: inout some Holder, duration: Double, random: inout SimulationRandom
    ) -> Trace {
        var channel = channel
        var link = LinkModel(model: model, random: &random)
        let period = 1 / model.sampleRate
        let substeps = max(1, Int((period / 0.1).rounded(.up)))
        let step = period / Double(substeps)
        var samples: [Trace.Sample] = []
        samples.reserveCapacity(Int(duration * model.sampleRate) + 1)
        var time = 0.0
        var tick = 0
        var lastFadingAt = 0.0
        while time <= duration {
            let position = holder.advance(to: time, random: &random)
            channel.move(metres: position.moved, random: &random)
            let mean = channel.localMean(
                distance: position.distance, blockage: position.blockage, postureOffset: position.postureOffset)
            let linkUp = link.advance(to: time, localMean: mean, sensitivity: channel.sensitivity, random: &random)
            if tick % substeps == 0 {
                let fading = channel.fading(
                    elapsed: time - lastFadingAt, ricianK: position.ricianK,
                    coherence: model.source == .advertisement ? 0 : position.coherence, random: &random)
                lastFadingAt = time
                switch model.source {
                case .connection:
                    samples.append(Trace.Sample(time: time, rssi: linkUp ? (mean + fading).rounded() : nil))
                case .advertisement:
                    let channelOffset = channel.channelOffsets[Int.random(in: 0..<3, using: &random)]
                    let rssi = mean + fading + channelOffset
                    if rssi >= channel.sensitivity {
                        samples.append(Trace.Sample(time: time, rssi: rssi.rounded()))
                    }
                }
            }
            tick += 1
            time = Double(tick) * step
        }
        return Trace(source: model.source, samples: samples, duration: duration)
    }
}

/// Where the holder is at an instant, as the channel sees it.
struct HolderPosition {
    var distance: Double
    var blockage: Double
    var postureOffset: Double
    var ricianK: Double
    var coherence: Double
    /// Metres moved since the previous step.
    var moved: Double
}

protocol Holder {
    mutating func advance(to time: Double, random: inout SimulationRandom) -> HolderPosition
}

/// Seated at the desk, changing posture now and then: each posture draws a distance, an orientation offset and
/// whether the phone is in a pocket partly behind the body.
struct SeatedHolder: Holder {
    let model: ChannelModel
    private var position: HolderPosition
    private var nextPostureAt: Double

    init(model: ChannelModel, random: inout SimulationRandom) {
        self.model = model
        position = Self.posture(model, random: &random)
        nextPostureAt = random.exponential(mean: model.postureChangeMean)
    }

    static func posture(_ model: ChannelModel, random: inout SimulationRandom) -> HolderPosition {
        HolderPosition(
            distance: random.uniform(model.seatedDistance),
            blockage: random.chance(model.seatedPocketShare) ? random.uniform(model.seatedBodyBlock) : 0,
            postureOffset: random.uniform(model.postureOffset), ricianK: model.seatedRicianK,
            coherence: model.seatedCoherence, moved: 0)
    }

    mutating func advance(to time: Double, random: inout SimulationRandom) -> HolderPosition {
        guard time >= nextPostureAt else {
            position.moved = 0
            return position
        }
        let previous = position.distance
        position = Self.posture(model, random: &random)
        // Shadowing follows the phone's displacement along the path; the posture's own change (orientation, a
        // pocket behind the body) is its offset and blockage.
        position.moved = abs(position.distance - previous)
        nextPostureAt = time + random.exponential(mean: model.postureChangeMean)
        return position
    }
}

/// Seated in one posture, then (at `walkStartsAt`) stands, turns, the body now between phone and computer, and
/// walks straight off to a destination where it stays.
struct WalkingHolder: Holder {
    let walkStartsAt: Double
    let speed: Double
    let destination: Double
    let walkingBlockage: Double
    let walkingK: Double
    let coherence: Double
    private var seated: HolderPosition
    private var lastDistance: Double

    init(model: ChannelModel, walkStartsAt: Double, random: inout SimulationRandom) {
        self.walkStartsAt = walkStartsAt
        seated = SeatedHolder.posture(model, random: &random)
        speed = random.uniform(model.walkingSpeed)
        destination = random.uniform(model.walkDestination)
        walkingBlockage = random.uniform(model.walkingBodyBlock)
        walkingK = model.walkingRicianK
        coherence = model.seatedCoherence
        lastDistance = seated.distance
    }

    var passesThreeMetresAt: Double {
        walkStartsAt + max(3 - seated.distance, 0) / speed
    }

    mutating func advance(to time: Double, random: inout SimulationRandom) -> HolderPosition {
        guard time >= walkStartsAt else { return seated }
        let distance = min(seated.distance + speed * (time - walkStartsAt), destination)
        let walking = distance < destination
        let moved = distance - lastDistance
        lastDistance = distance
        return HolderPosition(
            distance: distance, blockage: walkingBlockage, postureOffset: seated.postureOffset, ricianK: walkingK,
            coherence: walking ? 0 : coherence, moved: moved)
    }
}

/// The connection: it fails when the local mean stays below the receiver's sensitivity for the supervision
/// timeout, or spontaneously (a Poisson process); it comes back once the signal allows and the outage is over.
struct LinkModel {
    /// 420 ms on a Linux central (`le_supv_timeout = 0x2a`) [kern].
    static let supervisionTimeout = 0.42
    /// The margin above sensitivity the signal needs to reconnect (assume).
    static let reconnectMargin = 3.0

    let model: ChannelModel
    private(set) var isUp = true
    private var belowSince: Double?
    private var goodSince: Double?
    private var outageEndsAt = 0.0
    private var reconnectDelay = 0.0
    private var nextDropAt: Double

    init(model: ChannelModel, random: inout SimulationRandom) {
        self.model = model
        nextDropAt = model.linkDropsPerHour > 0 ? random.exponential(mean: 3600 / model.linkDropsPerHour) : .infinity
    }

    mutating func advance(to time: Double, localMean: Double, sensitivity: Double, random: inout SimulationRandom) -> Bool {
        if isUp {
            belowSince = localMean < sensitivity ? (belowSince ?? time) : nil
            if time >= nextDropAt {
                let outage = Math.exp(random.uniform(Math.log(model.linkOutage.lowerBound) ... Math.log(model.linkOutage.upperBound)))
                goDown(outageEndsAt: time + outage, reconnectDelay: 0)
                nextDropAt = time + random.exponential(mean: 3600 / model.linkDropsPerHour)
            } else if let belowSince, time - belowSince >= Self.supervisionTimeout {
                goDown(outageEndsAt: time, reconnectDelay: random.uniform(model.reconnectDelay))
            }
        } else {
            goodSince = localMean >= sensitivity + Self.reconnectMargin ? (goodSince ?? time) : nil
            if time >= outageEndsAt, let goodSince, time - goodSince >= reconnectDelay {
                isUp = true
                belowSince = nil
            }
        }
        return isUp
    }

    private mutating func goDown(outageEndsAt: Double, reconnectDelay: Double) {
        isUp = false
        goodSince = nil
        self.outageEndsAt = outageEndsAt
        self.reconnectDelay = reconnectDelay
    }
}
