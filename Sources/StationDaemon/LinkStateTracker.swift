import DBus
import Proximity

/// A device's link as the walk-away lock sees it: up once Device1 is both `Connected` and `ServicesResolved` (the
/// card can be relayed), down when either turns false. Pure: property values in, `.linkUp`/`.linkDown` out, only
/// on a change of state.
struct LinkStateTracker {
    private var connected = false
    private var servicesResolved = false
    private(set) var isUp = false

    /// Applies Device1 property values (a GetAll answer or a PropertiesChanged); invalidated properties count as
    /// false. Returns the event if the link went up or down.
    mutating func apply(changed: [String: DBusValue], invalidated: [String] = []) -> ProximityEvent? {
        if let value = changed["Connected"] { connected = value.boolean ?? false }
        if let value = changed["ServicesResolved"] { servicesResolved = value.boolean ?? false }
        if invalidated.contains("Connected") { connected = false }
        if invalidated.contains("ServicesResolved") { servicesResolved = false }
        let up = connected && servicesResolved
        guard up != isUp else { return nil }
        isUp = up
        return up ? .linkUp : .linkDown
    }
}
