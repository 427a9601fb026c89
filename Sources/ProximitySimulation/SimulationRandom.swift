/// xoshiro256** seeded through SplitMix64: a small, fast, reproducible generator, so that a seed names the same
/// traces on every machine and Swift version (the standard library's generator is neither seedable nor stable).
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var mixer = seed
        func splitMix() -> UInt64 {
            mixer &+= 0x9E37_79B9_7F4A_7C15
            var z = mixer
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// A generator for item `index` of stream `stream` under `seed`: each trace has its own, so that adding
    /// traces or policies never shifts the others.
    public init(seed: UInt64, stream: UInt64, index: Int) {
        self.init(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93) ^ (UInt64(truncatingIfNeeded: index) &* 0xA076_1D64_78BD_642F))
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    /// Uniform in the range.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        Double.random(in: range, using: &self)
    }

    /// Standard normal (Box–Muller).
    public mutating func gaussian() -> Double {
        let u1 = Double.random(in: Double.ulpOfOne ..< 1, using: &self)
        let u2 = Double.random(in: 0 ..< 1, using: &self)
        return (-2 * Self.log(u1)).squareRoot() * Self.cosine(2 * Double.pi * u2)
    }

    /// Exponential with this mean.
    public mutating func exponential(mean: Double) -> Double {
        -mean * Self.log(Double.random(in: Double.ulpOfOne ..< 1, using: &self))
    }

    /// Whether an event of this probability happens.
    public mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0 ..< 1, using: &self) < probability
    }

    static func log(_ x: Double) -> Double { Math.log(x) }
    static func cosine(_ x: Double) -> Double { Math.cos(x) }
}
