import Proximity

/// One device pair's channel as `ChannelModel` draws it, with its time-varying parts: shadowing S (AR(1) over
/// distance moved) and fast fading F (a complex Gaussian, AR(1) in time, around a line-of-sight part).
struct RadioChannel {
    let model: ChannelModel
    let referencePower: Double
    let pathLossExponent: Double
    let shadowingSigma: Double
    let shadowingDecorrelation: Double
    let deviceOffset: Double
    let sensitivity: Double
    let channelOffsets: [Double]
    private var shadowing: Double
    private var scatteredReal = 0.0
    private var scatteredImaginary = 0.0

    init(model: ChannelModel, random: inout SimulationRandom) {
        self.model = model
        referencePower = random.uniform(model.referencePower)
        pathLossExponent = random.uniform(model.pathLossExponent)
        shadowingSigma = random.uniform(model.shadowingSigma)
        shadowingDecorrelation = random.uniform(model.shadowingDecorrelation)
        deviceOffset = random.uniform(model.deviceOffset)
        sensitivity = random.uniform(model.sensitivity)
        channelOffsets = (0..<3).map { _ in random.uniform(model.advertisingChannelOffset) }
        shadowing = shadowingSigma * random.gaussian()
    }

    /// The local mean RSSI (no fast fading) at `distance` metres behind `blockage` dB with a posture's offset.
    func localMean(distance: Double, blockage: Double, postureOffset: Double) -> Double {
        referencePower - 10 * pathLossExponent * Math.log10(max(distance, 0.1)) + shadowing - blockage - deviceOffset
            - postureOffset
    }

    /// Moves S along after the holder moved `metres`.
    mutating func move(metres: Double, random: inout SimulationRandom) {
        guard metres > 0 else { return }
        let correlation = Math.exp(-metres / shadowingDecorrelation)
        shadowing = correlation * shadowing + (1 - correlation * correlation).squareRoot() * shadowingSigma * random.gaussian()
    }

    /// F in dB after `elapsed` seconds, for a Rician K-factor and coherence time (0: independent).
    mutating func fading(elapsed: Double, ricianK: Double, coherence: Double, random: inout SimulationRandom) -> Double {
        let correlation = coherence > 0 ? Math.exp(-elapsed / coherence) : 0
        let innovation = (1 - correlation * correlation).squareRoot() * (0.5).squareRoot()
        scatteredReal = correlation * scatteredReal + innovation * random.gaussian()
        scatteredImaginary = correlation * scatteredImaginary + innovation * random.gaussian()
        let lineOfSight = (ricianK / (ricianK + 1)).squareRoot()
        let scatter = (1 / (ricianK + 1)).squareRoot()
        let real = lineOfSight + scatter * scatteredReal
        let imaginary = scatter * scatteredImaginary
        return 10 * Math.log10(max(real * real + imaginary * imaginary, 1e-6))
    }
}
