import CardCrypto

/// SplitMix64 as the card's `RandomSource`, so that a crashing input replays the same challenges, salts and
/// GUIDs. Key generation inside OpenSSL stays random; nothing here needs to be unpredictable.
final class DeterministicRandom: RandomSource {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    func bytes(_ count: Int) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count + 8)
        while output.count < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            withUnsafeBytes(of: z) { output.append(contentsOf: $0) }
        }
        return Array(output.prefix(count))
    }
}
