/// What the station's shell tells `ProximityEngine`. Each event comes with `now`, a monotonic reading.
public enum ProximityEvent: Hashable, Sendable {
    /// One RSSI reading in dBm. A `.connection` reading while the link is down is stale and ignored.
    case rssi(dBm: Double, source: RSSISource)
    /// The link to the card's device is up (the card can be relayed over it).
    case linkUp
    /// The link went down (supervision timeout, disconnect, bluetoothd gone).
    case linkDown
    /// The round-trip time of one authenticated PING over the link, from handing it to the link to its PONG.
    case roundTrip(Duration)
}
