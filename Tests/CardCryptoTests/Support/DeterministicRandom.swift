import CardCrypto
import Crypto

/// A repeatable RandomSource: SHA-256(seed || counter) blocks, so a test that seals twice with the same
/// seed gets the same bytes and can also predict the nonce it will see.
final class DeterministicRandom: RandomSource {
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
