import CardCrypto
import Crypto

/// A repeatable RandomSource: SHA-256(seed ‖ counter) blocks. Two sources made with the same seed give the same
/// bytes, so a test can predict the nonce, key or challenge it will see, and a failing test fails the same way
/// every time.
public final class SeededRandom: RandomSource {
    private let seed: [UInt8]
    private var counter: UInt64 = 0
    private var pending: [UInt8] = []

    public init(seed: String) {
        self.seed = Array(seed.utf8)
    }

    public func bytes(_ count: Int) -> [UInt8] {
        while pending.count < count {
            let counterBytes = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
            pending += SHA256.hash(data: seed + counterBytes)
            counter += 1
        }
        defer { pending.removeFirst(count) }
        return Array(pending.prefix(count))
    }
}
