/// Where an RSSI sample comes from. The two differ by several dB for the same position (transmit power,
/// advertising channels, the controller's averaging), so each has its own baseline.
public enum RSSISource: String, Hashable, Sendable, CaseIterable, Codable {
    /// The connected link's RSSI (HCI Read RSSI, or BlueZ's cached connection info).
    case connection
    /// An advertisement's RSSI, heard while scanning (no link needed).
    case advertisement
}
