/// The holder's seated signal level, per source, in dBm: what thresholds are relative to. `pivlink calibrate`
/// measures it, the station persists it in its state, and the engine keeps adapting it while the device is near.
public struct ProximityBaseline: Hashable, Sendable, Codable {
    public var connection: Double?
    public var advertisement: Double?

    public init(connection: Double? = nil, advertisement: Double? = nil) {
        self.connection = connection
        self.advertisement = advertisement
    }

    public subscript(source: RSSISource) -> Double? {
        get {
            switch source {
            case .connection: connection
            case .advertisement: advertisement
            }
        }
        set {
            switch source {
            case .connection: connection = newValue
            case .advertisement: advertisement = newValue
            }
        }
    }
}
