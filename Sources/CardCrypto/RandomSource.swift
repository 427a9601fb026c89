/// Where pure cores get random bytes: `SystemRandom` in production, a deterministic source in tests.
public protocol RandomSource {
    /// Returns exactly `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
}

extension RandomSource {
    /// `bytes(count)`, with the length promised by the protocol enforced: a source that breaks it is a
    /// programming error, and continuing with a short nonce or key would be worse than stopping.
    func exactBytes(_ count: Int) -> [UInt8] {
        let bytes = bytes(count)
        precondition(bytes.count == count, "RandomSource returned \(bytes.count) bytes instead of \(count)")
        return bytes
    }
}
