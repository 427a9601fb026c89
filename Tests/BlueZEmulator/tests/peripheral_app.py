"""A tiny peripheral application as pivlink-card will be one: a GATT application and an advertisement.

It records what the emulator asks of it (GetManagedObjects calls, every ReadValue/WriteValue with its
options, StartNotify/StopNotify, Acquire*, Release) and can be told how to answer.
"""

import socket

import dbus
import dbus.service

BASE = "-6249-4f6c-b878-318bb3580b9c"
SERVICE_UUID = "898a0001" + BASE
REQUEST_UUID = "898a0002" + BASE
RESPONSE_UUID = "898a0003" + BASE
INFO_UUID = "898a0004" + BASE
CONTROL_UUID = "898a0005" + BASE
APP_PATH = "/test/app"
SERVICE_PATH = APP_PATH + "/service0"
ADVERTISEMENT_PATH = "/test/advertisement0"

GATT_SERVICE = "org.bluez.GattService1"
GATT_CHARACTERISTIC = "org.bluez.GattCharacteristic1"
PROPERTIES = "org.freedesktop.DBus.Properties"


class _Object(dbus.service.Object):
    def __init__(self, connection, path, interface, properties):
        super().__init__(connection, path)
        self.path = path
        self.interface = interface
        self.properties = properties

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        self.get_all_calls = getattr(self, "get_all_calls", 0) + 1
        return dbus.Dictionary(self.properties, signature="sv") if interface == self.interface else {}

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.properties[name]

    @dbus.service.method(PROPERTIES, in_signature="ssv")
    def Set(self, interface, name, value):
        self.properties[name] = value

    @dbus.service.signal(PROPERTIES, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass


class Characteristic(_Object):
    """One characteristic; `error` (name, message) makes ReadValue/WriteValue fail, `hold` keeps WriteValue
    replies back until release() (to make a write stay in progress)."""

    def __init__(self, connection, path, uuid, flags, value=b"", write_acquired=False, notify_acquired=False):
        properties = {"UUID": uuid, "Service": dbus.ObjectPath(SERVICE_PATH),
                      "Flags": dbus.Array(flags, signature="s")}
        if write_acquired:
            properties["WriteAcquired"] = dbus.Boolean(False)
        if notify_acquired:
            properties["NotifyAcquired"] = dbus.Boolean(False)
        super().__init__(connection, path, GATT_CHARACTERISTIC, properties)
        self.value = value
        self.reads = []
        self.writes = []
        self.events = []
        self.error = None
        self.hold = False
        self.held = []
        self.acquired_write = None
        self.acquired_notify = None

    def _fail_if_told(self):
        if self.error is not None:
            failure = dbus.DBusException(self.error[1])
            failure._dbus_error_name = self.error[0]
            raise failure

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        self.reads.append(dict(options))
        self._fail_if_told()
        offset = int(options.get("offset", 0))
        return dbus.ByteArray(self.value[offset:])

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="aya{sv}", async_callbacks=("reply", "error"))
    def WriteValue(self, value, options, reply, error):
        self.writes.append((bytes(value), dict(options)))
        self._fail_if_told()
        if self.hold:
            self.held.append(reply)
        else:
            reply()

    def release(self):
        held, self.held = self.held, []
        for reply in held:
            reply()

    @dbus.service.method(GATT_CHARACTERISTIC)
    def StartNotify(self):
        self.events.append("StartNotify")

    @dbus.service.method(GATT_CHARACTERISTIC)
    def StopNotify(self):
        self.events.append("StopNotify")

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="a{sv}", out_signature="hq")
    def AcquireWrite(self, options):
        self.events.append(("AcquireWrite", dict(options)))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.acquired_write = ours
        handed = dbus.types.UnixFd(theirs.fileno())
        theirs.close()
        return handed, dbus.UInt16(options["mtu"])

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="a{sv}", out_signature="hq")
    def AcquireNotify(self, options):
        self.events.append(("AcquireNotify", dict(options)))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.acquired_notify = ours
        handed = dbus.types.UnixFd(theirs.fileno())
        theirs.close()
        return handed, dbus.UInt16(options["mtu"])

    def notify(self, value):
        self.PropertiesChanged(GATT_CHARACTERISTIC, {"Value": dbus.ByteArray(value)}, dbus.Array([], signature="s"))


class Application(dbus.service.Object):
    """The object tree: one service with request, response, info and control characteristics."""

    def __init__(self, connection, acquired=False):
        super().__init__(connection, APP_PATH)
        self.tree_reads = 0
        self.service = _Object(connection, SERVICE_PATH, GATT_SERVICE,
                               {"UUID": SERVICE_UUID, "Primary": dbus.Boolean(True)})
        self.request = Characteristic(connection, SERVICE_PATH + "/char0", REQUEST_UUID,
                                      ["write", "write-without-response"], write_acquired=acquired)
        self.response = Characteristic(connection, SERVICE_PATH + "/char1", RESPONSE_UUID, ["notify"],
                                       notify_acquired=acquired)
        self.info = Characteristic(connection, SERVICE_PATH + "/char2", INFO_UUID, ["read"],
                                   value=bytes(range(256)) * 3)
        self.control = Characteristic(connection, SERVICE_PATH + "/char3", CONTROL_UUID, ["write", "read"])
        self.characteristics = [self.request, self.response, self.info, self.control]

    @dbus.service.method("org.freedesktop.DBus.ObjectManager", out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        self.tree_reads += 1
        objects = {self.service.path: {GATT_SERVICE: self.service.properties}}
        for characteristic in self.characteristics:
            objects[characteristic.path] = {GATT_CHARACTERISTIC: characteristic.properties}
        return objects

    @dbus.service.signal("org.freedesktop.DBus.ObjectManager", signature="oas")
    def InterfacesRemoved(self, path, interfaces):
        pass


class Advertisement(_Object):
    def __init__(self, connection, path=ADVERTISEMENT_PATH, **overrides):
        properties = {"Type": "peripheral", "ServiceUUIDs": dbus.Array([SERVICE_UUID], signature="s"),
                      "LocalName": "pivlink-card", "Discoverable": dbus.Boolean(True)}
        properties.update(overrides)
        super().__init__(connection, path, "org.bluez.LEAdvertisement1", properties)
        self.released = 0

    @dbus.service.method("org.bluez.LEAdvertisement1")
    def Release(self):
        self.released += 1
