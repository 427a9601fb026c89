#!/usr/bin/python3
"""Stand-in card: a GATT application with pivlink's service and an advertisement on one adapter.

    peripheral.py ADAPTER_PATH EVENTS_FILE READY_FILE

Registers the application (request 898a0002: write + write-without-response; response 898a0003:
notify; info 898a0004: read) and a peripheral advertisement carrying the service UUID, writes
READY_FILE once BlueZ accepted both, then answers until SIGTERM. Every call BlueZ makes, with its
options, is logged to EVENTS_FILE.

What a write to the request characteristic does, by its first byte (probes for the central):
  0xEE  WriteValue fails with org.bluez.Error.Failed "0x80" (BlueZ acks the write anyway: the
        characteristic has the write-without-response flag)
  0xB1  a 600-byte notification follows (BlueZ caps notifications)
  else  the notification is 0xEC followed by the written bytes (the echo the exchange waits for)
"""

import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

from events import (ADVERTISEMENT, ADVERTISING_MANAGER, GATT_CHARACTERISTIC, GATT_MANAGER, GATT_SERVICE,
                    INFO_UUID, INFO_VALUE, OBJECT_MANAGER, PROPERTIES, REQUEST_UUID, RESPONSE_UUID,
                    SERVICE_UUID, BLUEZ, EventLog)

APP_PATH = "/org/pivlink/standin"
SERVICE_PATH = APP_PATH + "/service0"
ADVERTISEMENT_PATH = APP_PATH + "/advertisement0"


class Exported(dbus.service.Object):
    """An object with one interface whose properties live in a dict."""

    def __init__(self, bus, path, interface, properties):
        super().__init__(bus, path)
        self.path = path
        self.interface = interface
        self.properties = properties

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return dbus.Dictionary(self.properties if interface == self.interface else {}, signature="sv")

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        if interface != self.interface or name not in self.properties:
            raise dbus.exceptions.DBusException("no property " + name,
                                                name="org.freedesktop.DBus.Error.InvalidArgs")
        return self.properties[name]

    @dbus.service.signal(PROPERTIES, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass

    def change(self, name, value):
        self.properties[name] = value
        self.PropertiesChanged(self.interface, dbus.Dictionary({name: value}, signature="sv"), [])


class Characteristic(Exported):
    def __init__(self, bus, path, uuid, flags, log, name):
        super().__init__(bus, path, GATT_CHARACTERISTIC, {
            "UUID": uuid, "Service": dbus.ObjectPath(SERVICE_PATH), "Flags": dbus.Array(flags, signature="s")})
        self.log = log
        self.name = name
        self.on_write = None

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        self.log("ReadValue", characteristic=self.name, options=options)
        return dbus.Array(INFO_VALUE, signature="y")

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="aya{sv}")
    def WriteValue(self, value, options):
        self.log("WriteValue", characteristic=self.name, value=value, options=options)
        if self.on_write is not None:
            self.on_write(bytes(value))

    @dbus.service.method(GATT_CHARACTERISTIC)
    def StartNotify(self):
        self.log("StartNotify", characteristic=self.name)
        self.change("Notifying", dbus.Boolean(True))

    @dbus.service.method(GATT_CHARACTERISTIC)
    def StopNotify(self):
        self.log("StopNotify", characteristic=self.name)
        self.change("Notifying", dbus.Boolean(False))

    def notify(self, value):
        self.log("notify", characteristic=self.name, length=len(value),
                 notifying=bool(self.properties.get("Notifying", False)))
        self.change("Value", dbus.Array(value, signature="y"))


class Application(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, APP_PATH)
        self.log = log
        self.service = Exported(bus, SERVICE_PATH, GATT_SERVICE, {"UUID": SERVICE_UUID, "Primary": True})
        self.request = Characteristic(bus, SERVICE_PATH + "/char0", REQUEST_UUID,
                                      ["write", "write-without-response"], log, "request")
        self.response = Characteristic(bus, SERVICE_PATH + "/char1", RESPONSE_UUID, ["notify"], log, "response")
        self.info = Characteristic(bus, SERVICE_PATH + "/char2", INFO_UUID, ["read"], log, "info")
        self.request.on_write = self.answer

    def answer(self, request):
        if request[:1] == b"\xee":
            raise dbus.exceptions.DBusException("0x80", name="org.bluez.Error.Failed")
        if request[:1] == b"\xb1":
            self.response.notify(bytes(i & 0xFF for i in range(600)))
        else:
            self.response.notify(b"\xec" + request)

    @dbus.service.method(OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        self.log("GetManagedObjects")
        return {obj.path: {obj.interface: obj.properties}
                for obj in (self.service, self.request, self.response, self.info)}


class Advertisement(Exported):
    def __init__(self, bus, log):
        super().__init__(bus, ADVERTISEMENT_PATH, ADVERTISEMENT, {
            "Type": "peripheral", "ServiceUUIDs": dbus.Array([SERVICE_UUID], signature="s"),
            "LocalName": "pivlink"})
        self.log = log

    @dbus.service.method(ADVERTISEMENT)
    def Release(self):
        self.log("Release", object="advertisement")


def main():
    adapter_path, events_file, ready_file = sys.argv[1:4]
    log = EventLog(events_file, "peripheral")
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    loop = GLib.MainLoop()
    application = Application(bus, log)
    advertisement = Advertisement(bus, log)
    adapter = bus.get_object(BLUEZ, adapter_path)
    pending = {"application", "advertisement"}

    def registered(what):
        def done():
            log("registered", what=what)
            pending.discard(what)
            if not pending:
                with open(ready_file, "w", encoding="utf-8") as ready:
                    ready.write("ready\n")
        return done

    def failed(what):
        def fail(error):
            log("registration-failed", what=what, error=error.get_dbus_name(), message=error.get_dbus_message())
            loop.quit()
        return fail

    dbus.Interface(adapter, GATT_MANAGER).RegisterApplication(
        application.__dbus_object_path__, {}, reply_handler=registered("application"),
        error_handler=failed("application"))
    dbus.Interface(adapter, ADVERTISING_MANAGER).RegisterAdvertisement(
        advertisement.path, {}, reply_handler=registered("advertisement"), error_handler=failed("advertisement"))
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    loop.run()
    log("exit", pending=sorted(pending))
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
