/// What the station's shell tells `StationLinkSession` about BlueZ.
public enum StationLinkEvent: Hashable, Sendable {
    /// BlueZ knows the configured device (after `.locateDevice`, or while discovering).
    case deviceFound
    /// BlueZ does not know the configured device (after `.locateDevice`).
    case deviceAbsent
    /// `Device1.Connect` succeeded.
    case connected
    /// `ServicesResolved` is true; `complete` says whether the pivlink service and its request, response and
    /// info characteristics are all there.
    case servicesResolved(complete: Bool)
    /// The info characteristic's value.
    case infoRead([UInt8])
    /// Notifications of the response characteristic arrive; `mtu` is the link's ATT MTU.
    case subscribed(mtu: Int)
    /// A step failed (a BlueZ call's error, a missing adapter); the text says what, in one line.
    case failed(String)
    /// The device disconnected (`Connected` false, or an acquired socket hung up), or bluetoothd went away.
    case disconnected(String)
}
