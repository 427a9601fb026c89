"""Exported objects with BlueZ-like properties, and the ObjectManager BlueZ exports at `/`.

A property that is absent from an object's table does not exist (BlueZ's "exists" callbacks): GetAll
leaves it out and Get answers InvalidArgs. Every change is emitted at once as its own PropertiesChanged
signal, in the order the emulator makes the changes; a removed property is sent as invalidated.
"""

import dbus
import dbus.service

PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
DBUS_INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
DBUS_UNKNOWN_PROPERTY = "org.freedesktop.DBus.Error.UnknownProperty"
DBUS_PROPERTY_READ_ONLY = "org.freedesktop.DBus.Error.PropertyReadOnly"


def dbus_error(name, message):
    error = dbus.DBusException(message)
    error._dbus_error_name = name
    return error


def byte_array(data):
    return dbus.Array([dbus.Byte(item) for item in data], signature="y")


def string_array(items):
    return dbus.Array([dbus.String(item) for item in items], signature="s")


def options_dictionary(entries):
    return dbus.Dictionary(entries, signature="sv")


class ObjectRegistry:
    """Every object the emulator exports, and the ObjectManager at `/` that announces them."""

    def __init__(self, connection):
        self.connection = connection
        self.objects = {}
        self.root = _RootObject(connection, self)

    def add(self, exported):
        self.objects[exported.path] = exported
        self.root.InterfacesAdded(exported.path, exported.all_properties())

    def remove(self, exported):
        if self.objects.pop(exported.path, None) is exported:
            self.root.InterfacesRemoved(exported.path, string_array(exported.interface_names()))

    def managed_objects(self):
        return dbus.Dictionary(
            {dbus.ObjectPath(path): item.all_properties() for path, item in sorted(self.objects.items())},
            signature="oa{sa{sv}}",
        )


class _RootObject(dbus.service.Object):
    def __init__(self, connection, registry):
        super().__init__(connection, "/")
        self._registry = registry

    @dbus.service.method(OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return self._registry.managed_objects()

    @dbus.service.signal(OBJECT_MANAGER, signature="oa{sa{sv}}")
    def InterfacesAdded(self, path, interfaces):
        pass

    @dbus.service.signal(OBJECT_MANAGER, signature="oas")
    def InterfacesRemoved(self, path, interfaces):
        pass


class ExportedObject(dbus.service.Object):
    """An object with per-interface property tables; subclasses add the methods of their interfaces.

    `writable` maps (interface, name) to a setter that validates and applies a Set call.
    """

    def __init__(self, registry, path, properties):
        super().__init__(registry.connection, path)
        self.path = dbus.ObjectPath(path)
        self.registry = registry
        self._properties = {interface: dict(table) for interface, table in properties.items()}
        self.writable = {}
        self.exported = True
        registry.add(self)

    def interface_names(self):
        return list(self._properties)

    def all_properties(self):
        return dbus.Dictionary(
            {name: dbus.Dictionary(table, signature="sv") for name, table in self._properties.items()},
            signature="sa{sv}",
        )

    def get(self, interface, name, default=None):
        return self._properties[interface].get(name, default)

    def has(self, interface, name):
        return name in self._properties[interface]

    def set(self, interface, name, value, always_emit=False):
        """Sets a property and emits PropertiesChanged if it changed (or always, for values like Value)."""
        table = self._properties[interface]
        changed = name not in table or table[name] != value
        table[name] = value
        if (changed or always_emit) and self.exported:
            self.PropertiesChanged(interface, {name: value}, string_array([]))

    def drop(self, interface, name):
        """Removes a property; emits it as invalidated if it existed."""
        if self._properties[interface].pop(name, None) is not None and self.exported:
            self.PropertiesChanged(interface, dbus.Dictionary({}, signature="sv"), string_array([name]))

    def unexport(self):
        if self.exported:
            self.registry.remove(self)
            self.exported = False
            self.remove_from_connection()

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        table = self._properties.get(interface)
        if table is None:
            raise dbus_error(DBUS_INVALID_ARGS, "No such interface '%s'" % interface)
        if name not in table:
            raise dbus_error(DBUS_INVALID_ARGS, "No such property '%s'" % name)
        return table[name]

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        table = self._properties.get(interface)
        if table is None:
            raise dbus_error(DBUS_INVALID_ARGS, "No such interface '%s'" % interface)
        return dbus.Dictionary(table, signature="sv")

    @dbus.service.method(PROPERTIES, in_signature="ssv")
    def Set(self, interface, name, value):
        if interface not in self._properties:
            raise dbus_error(DBUS_INVALID_ARGS, "No such interface '%s'" % interface)
        setter = self.writable.get((interface, name))
        if setter is None:
            raise dbus_error(DBUS_PROPERTY_READ_ONLY, "Property '%s' is not writable" % name)
        setter(value)

    @dbus.service.signal(PROPERTIES, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass
