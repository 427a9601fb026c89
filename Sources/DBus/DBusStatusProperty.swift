/// The properties of one exported interface as an enum, each read from one status value the service keeps
/// (`DBusStatusObject`): the raw value is the property's name, `type` its D-Bus type.
public protocol DBusStatusProperty: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    associatedtype Status
    var type: DBusType { get }
    /// The property's value in `status`; of `type`.
    func value(of status: Status) -> DBusValue
}
