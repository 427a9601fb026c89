import CSystemd

extension DBusConnection {
    /// Exports `interfaces` at `path` until the returned object is released or removed.
    public func exportObject(at path: DBusObjectPath, interfaces: [DBusInterface]) throws(DBusError)
        -> DBusExportedObject
    {
        try DBusExportedObject(bus: bus, path: path, interfaces: interfaces)
    }

    /// Serves `org.freedesktop.DBus.ObjectManager` at `path` for the objects exported at and below it,
    /// until the registration is released. Add it before the objects, so that their `InterfacesAdded` go out.
    public func addObjectManager(at path: DBusObjectPath) throws(DBusError) -> DBusRegistration {
        var slot: OpaquePointer?
        let result = sd_bus_add_object_manager(bus, &slot, path.rawValue)
        guard result >= 0, let slot else {
            throw DBusError(sdBusResult: result, "adding an object manager at \(path)")
        }
        return DBusRegistration(slot: slot)
    }
}
