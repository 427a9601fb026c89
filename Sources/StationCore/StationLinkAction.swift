import Link

/// What the station's shell does after a call into `StationLinkSession`, in order.
public enum StationLinkAction: Hashable, Sendable {
    /// Look the configured device up in BlueZ's objects; answer `.deviceFound` or `.deviceAbsent`.
    case locateDevice
    /// Set the discovery filter (the pivlink service, LE) and start discovery; answer `.deviceFound` when the
    /// device appears.
    case startDiscovery
    case stopDiscovery
    /// `Device1.Connect`; answer `.connected` or `.failed`.
    case connect
    /// Wait for `ServicesResolved` and look the service up; answer `.servicesResolved`.
    case resolveServices
    /// Read the info characteristic; answer `.infoRead` or `.failed`.
    case readInfo
    /// Subscribe to the response characteristic and get ready to write requests; answer `.subscribed`.
    case subscribe
    /// The link is up: connect `LinkCentralStateMachine` with this info and MTU.
    case linkUp(LinkInfo, mtu: Int)
    /// The link that was up is down (the reason, one line): fail what is in flight, remove the card from PC/SC.
    case linkDown(String)
    /// `Device1.Disconnect` (errors do not matter) and release what was acquired.
    case disconnect
    /// Call `handleTimer(now:)` at this instant; replaces any earlier timer.
    case armTimer(at: Duration)
    case disarmTimer
    /// An attempt failed; the next one starts after `delay`. For the log.
    case retrying(after: Duration, reason: String)
}
