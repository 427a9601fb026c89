#!/usr/bin/python3
"""Another device on the air: registers a connectable LE advertisement (org.bluez.LEAdvertisement1) with the
BlueZ emulator (or bluetoothd) carrying the given service data under one UUID, and nothing else — what a
stranger's phone, or a card of someone else, advertises.

    advertise.py --bus ADDRESS --adapter hciN --uuid UUID --service-data HEX

Prints "registered" once the adapter took the advertisement (tests wait on it); exits 1 if it refused.
Runs until SIGTERM or SIGINT, then unregisters the advertisement and exits 0.
"""
import argparse
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

ADVERTISEMENT = "org.bluez.LEAdvertisement1"
ADVERTISING_MANAGER = "org.bluez.LEAdvertisingManager1"
PROPERTIES = "org.freedesktop.DBus.Properties"
PATH = "/org/pivlink/test/stranger"

parser = argparse.ArgumentParser()
parser.add_argument("--bus", required=True)
parser.add_argument("--adapter", required=True)
parser.add_argument("--uuid", required=True)
parser.add_argument("--service-data", required=True, type=bytes.fromhex)
options = parser.parse_args()


class Advertisement(dbus.service.Object):
    """Connectable ("peripheral"), the service data only: the shape of a pivlink card's advertisement."""

    def __init__(self, connection):
        super().__init__(connection, PATH)
        self.properties = {
            "Type": dbus.String("peripheral"),
            "ServiceData": dbus.Dictionary({options.uuid: dbus.ByteArray(options.service_data)}, signature="sv"),
        }

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return dbus.Dictionary(self.properties if interface == ADVERTISEMENT else {}, signature="sv")

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        if interface != ADVERTISEMENT or name not in self.properties:
            raise dbus.exceptions.DBusException("no such property", name="org.freedesktop.DBus.Error.InvalidArgs")
        return self.properties[name]

    @dbus.service.method(ADVERTISEMENT)
    def Release(self):
        loop.quit()


dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(options.bus)
advertisement = Advertisement(bus)
manager = dbus.Interface(bus.get_object("org.bluez", "/org/bluez/" + options.adapter), ADVERTISING_MANAGER)
loop = GLib.MainLoop()
outcome = {"status": 0}


def registered():
    print("registered", flush=True)


def refused(error):
    print(f"advertise.py: {options.adapter} refused the advertisement: {error}", file=sys.stderr, flush=True)
    outcome["status"] = 1
    loop.quit()


# Asynchronous: the adapter reads the properties back (GetAll) before it answers, so this loop must be running.
manager.RegisterAdvertisement(dbus.ObjectPath(PATH), dbus.Dictionary({}, signature="sv"),
                              reply_handler=registered, error_handler=refused, timeout=25)
for signal_number in (2, 15):  # SIGINT, SIGTERM
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal_number, loop.quit)
loop.run()
if outcome["status"] == 0:
    try:
        manager.UnregisterAdvertisement(dbus.ObjectPath(PATH), timeout=10)
    except dbus.exceptions.DBusException:
        pass  # already dropped (released, or bluetoothd went away): nothing is on the air either way
sys.exit(outcome["status"])
