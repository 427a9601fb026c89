import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Interfaces exported at one object path, made by `DBusConnection.exportObject(at:interfaces:)`.
///
/// sd-bus serves them: method calls, `org.freedesktop.DBus.Properties`, `Introspectable`, `Peer`, and
/// `ObjectManager.GetManagedObjects` of an object manager above the path. When an object manager covers
/// the path, exporting announces the interfaces with `InterfacesAdded` and `remove()` with
/// `InterfacesRemoved`. The interfaces stay exported until `remove()` or until this object is released.
public final class DBusExportedObject {
    public let path: DBusObjectPath
    public let interfaceNames: [String]

    private let bus: OpaquePointer
    private var slots: [OpaquePointer]

    init(bus: OpaquePointer, path: DBusObjectPath, interfaces: [DBusInterface]) throws(DBusError) {
        self.path = path
        interfaceNames = interfaces.map(\.name)
        self.bus = sd_bus_ref(bus)
        slots = []
        // Registered one by one; if one fails, deinit unregisters those already registered.
        for interface in interfaces {
            let exported = try ExportedInterface(interface, path: path)
            let entries = try exported.vtableEntries()
            let userdata = Unmanaged.passRetained(exported).toOpaque()
            var slot: OpaquePointer?
            let result = sd_bus_add_object_vtable(bus, &slot, path.rawValue, interface.name, entries, userdata)
            guard result >= 0, let slot else {
                Unmanaged<ExportedInterface>.fromOpaque(userdata).release()
                throw DBusError(sdBusResult: result, "exporting \(interface.name) at \(path)")
            }
            sd_bus_slot_set_destroy_callback(slot) { userdata in
                guard let userdata else { return }
                Unmanaged<ExportedInterface>.fromOpaque(userdata).release()
            }
            slots.append(slot)
        }
        try announce(added: true)
    }

    deinit {
        remove()
        sd_bus_unref(bus)
    }

    /// True until `remove()`.
    public var isExported: Bool { !slots.isEmpty }

    /// Emits `PropertiesChanged` for the named properties of `interface`, reading their current values
    /// through their getters (or listing them as invalidated, per their `changeSignal`).
    public func emitPropertiesChanged(interface: String, properties: [String]) throws(DBusError) {
        guard !properties.isEmpty else { return }
        let result = withCStringArray(properties) { names in
            sd_bus_emit_properties_changed_strv(bus, path.rawValue, interface, names)
        }
        try DBusMessage.check(result, "emitting PropertiesChanged for \(interface) \(properties) at \(path)")
    }

    /// Emits a signal from this object.
    public func emitSignal(
        interface: String, member: String, arguments: [DBusValue] = [], destination: String? = nil
    ) throws(DBusError) {
        try DBusConnection.emitSignal(
            on: bus, path: path, interface: interface, member: member, arguments: arguments, destination: destination
        )
    }

    /// Announces the removal (`InterfacesRemoved`, under an object manager) and unregisters the
    /// interfaces. Safe to call more than once.
    public func remove() {
        guard !slots.isEmpty else { return }
        // Nothing to do about a failed announcement: the interfaces go away regardless.
        try? announce(added: false)
        for slot in slots {
            sd_bus_slot_unref(slot)
        }
        slots = []
    }

    /// `InterfacesAdded`/`InterfacesRemoved` from the object manager above the path, if there is one, and
    /// while the connection is open.
    private func announce(added: Bool) throws(DBusError) {
        let result = withCStringArray(interfaceNames) { names in
            added
                ? sd_bus_emit_interfaces_added_strv(bus, path.rawValue, names)
                : sd_bus_emit_interfaces_removed_strv(bus, path.rawValue, names)
        }
        guard result != -ESRCH, result != -ENOTCONN else { return }
        try DBusMessage.check(result, "announcing the interfaces at \(path)")
    }
}
