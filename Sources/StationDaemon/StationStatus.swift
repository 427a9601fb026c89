import Proximity

/// What the station knows at a glance: the properties of `org.pivlink.Station1` (`StationBusService`) and what
/// `pivlink status` prints. The station's `Manager` keeps one and hands every change to the bus service.
public struct StationStatus: Hashable, Sendable {
    /// The presence state (`near`, `uncertain`, `away`, `lost`).
    public var state: PresenceState = .lost
    /// The card's device, as the station names it (its Bluetooth address until pairing).
    public var device: String
    /// The latest filtered RSSI in dBm; nil while the device is not heard.
    public var rssi: Double?
    public var isLinkUp = false
    /// Whether the card is in pcscd (the vpcd connection is open).
    public var isCardPresent = false
    /// Why the station last locked the session (one line), and when (µs since the epoch); nil before the first.
    public var lastLockReason: String?
    public var lastLockTime: UInt64?
    /// Until when auto-lock is paused (µs since the epoch); nil when it is not.
    public var pausedUntil: UInt64?

    public init(device: String) {
        self.device = device
    }
}
