/// scrypt cost parameters (N = 2^logN, r, p), stored beside each PIN/PUK wrap so they can change later.
public struct ScryptParameters: Sendable, Equatable, Codable {
    public var logN: UInt8
    public var r: UInt32
    public var p: UInt32

    public init(logN: UInt8, r: UInt32, p: UInt32) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// N = 2^15, r = 8, p = 1: 32 MiB, for deriving keys from PINs and PUKs.
    public static let interactive = ScryptParameters(logN: 15, r: 8, p: 1)
    /// N = 2^10, r = 8, p = 1: 1 MiB, for unit tests only.
    public static let testing = ScryptParameters(logN: 10, r: 8, p: 1)

    /// Largest memory we let stored parameters demand (they come from a file that could be altered).
    static let maximumMemoryByteCount: UInt64 = 1 << 30

    /// Bytes scrypt allocates, as OpenSSL counts them: 128·r·(N + 2) for V plus 128·r·p for B; nil for
    /// parameters that are out of range (N < 2, r or p zero, r·p ≥ 2^30, or more than 1 GiB).
    var memoryByteCount: UInt64? {
        guard (1...62).contains(logN), r > 0, p > 0, UInt64(r) * UInt64(p) < 1 << 30 else { return nil }
        let n = UInt64(1) << logN
        let (blocks, overflow) = (n + 2 + UInt64(p)).multipliedReportingOverflow(by: 128 * UInt64(r))
        guard !overflow, blocks <= Self.maximumMemoryByteCount else { return nil }
        return blocks
    }
}
