/// A property of an exported interface, served through `org.freedesktop.DBus.Properties` (Get, GetAll,
/// Set) and listed by `ObjectManager.GetManagedObjects`.
public struct DBusProperty {
    /// What `PropertiesChanged` says about the property.
    public enum ChangeSignal: Hashable, Sendable {
        /// The new value is sent (the usual case; needed for `emitPropertiesChanged`).
        case emitsValue
        /// Only the name is sent, as invalidated; listeners read the value themselves. sd-bus also leaves
        /// such properties out of `InterfacesAdded` (not out of `GetAll` or `GetManagedObjects`).
        case emitsInvalidation
        /// The value never changes.
        case constant
        /// Changes are never announced.
        case silent
    }

    public let name: String
    public let type: DBusType
    public let changeSignal: ChangeSignal
    /// Returns the current value, which must be of `type`.
    public let get: () throws(DBusError) -> DBusValue
    /// Applies a value (of `type`, checked by sd-bus) set by a peer; nil makes the property read-only.
    /// Announcing the change is up to the setter (`DBusExportedObject.emitPropertiesChanged`).
    public let set: ((DBusValue) throws(DBusError) -> Void)?

    public init(
        _ name: String,
        type: DBusType,
        changeSignal: ChangeSignal = .emitsValue,
        get: @escaping () throws(DBusError) -> DBusValue,
        set: ((DBusValue) throws(DBusError) -> Void)? = nil
    ) {
        self.name = name
        self.type = type
        self.changeSignal = changeSignal
        self.get = get
        self.set = set
    }
}
