/// What `pivlink calibrate` measures while the holder sits at the desk: each source's median RSSI, the seated
/// baseline the station persists and gives to `ProximityEngine`. A median, so that fast fading's dips and a
/// passer-by's shadow do not pull it down.
public struct BaselineCalibration: Sendable {
    /// Samples a source needs for its level to count (five seconds at 2 Hz).
    public static let minimumSamples = 10
    private var connection: [Double] = []
    private var advertisement: [Double] = []

    public init() {}

    /// Adds one reading; readings that are not numbers are ignored.
    public mutating func add(dBm: Double, source: RSSISource) {
        guard dBm.isFinite else { return }
        switch source {
        case .connection: connection.append(dBm)
        case .advertisement: advertisement.append(dBm)
        }
    }

    /// The baseline of every source with enough samples.
    public func baseline() throws(ProximityError) -> ProximityBaseline {
        func median(_ values: [Double]) -> Double? {
            guard values.count >= Self.minimumSamples else { return nil }
            let sorted = values.sorted()
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        let result = ProximityBaseline(connection: median(connection), advertisement: median(advertisement))
        guard result.connection != nil || result.advertisement != nil else {
            throw ProximityError(
                .insufficientCalibration,
                "heard \(max(connection.count, advertisement.count)) RSSI samples, \(Self.minimumSamples) needed: keep the phone connected and calibrate for longer")
        }
        return result
    }
}
