import CardCrypto
import Crypto

/// A repeatable RandomSource: SHA-256(seed ‖ counter) blocks. Cards made with the same seed see the same
/// witnesses, challenges and GUIDs, so a failing test fails the same way every time.
final class SeededRandom: RandomSource {
    private let seed: [UInt8]
    private var counter: UInt64 = 0
    private var pending: [UInt8] = []

    init(seed: String) {
        self.seed = Array(seed.utf8)
    }

    func bytes(_ count: Int) -> [UInt8] {
        while pending.count < count {
            let counterBytes = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            pending += SHA256.hash(data: seed + counterBytes)
            counter += 1
        }
        defer { pending.removeFirst(count) }
        return Array(pending.prefix(count))
    }
}

/// A small fast PRNG (SplitMix64) for generating test inputs such as mutated APDUs.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
