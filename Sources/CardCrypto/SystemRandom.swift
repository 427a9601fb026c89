import COpenSSL

/// OpenSSL's default DRBG (RAND_bytes), seeded from the operating system.
public struct SystemRandom: RandomSource, Sendable {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative random byte count \(count)")
        guard count > 0 else { return [] }
        var output = [UInt8](repeating: 0, count: count)
        guard pivlink_random_bytes(&output, count) == 1 else {
            // No caller can do anything sensible without randomness; stopping beats weak keys or nonces.
            fatalError("OpenSSL's random generator (RAND_bytes) failed; no secure randomness is available")
        }
        return output
    }
}
