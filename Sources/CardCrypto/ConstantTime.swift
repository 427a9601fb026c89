import COpenSSL

/// Comparisons whose running time does not depend on where the inputs differ (for PINs, keys, MACs).
public enum ConstantTime {
    /// True when both arrays hold the same bytes. Arrays of different lengths are unequal; the length
    /// itself is not treated as secret.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return pivlink_constant_time_equal(a, b, a.count) == 1
    }
}
