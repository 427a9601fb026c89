"""Wiring: connect to the system bus (DBUS_SYSTEM_BUS_ADDRESS), export the adapters and the control
object, own org.bluez, run until SIGTERM/SIGINT, then shut down as bluetoothd does."""

import argparse
import signal
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

from .adapter import AdapterObject
from .bus import ObjectRegistry
from .control import ControlObject
from .radio import Radio

BUS_NAME = "org.bluez"
PERIPHERAL_ADDRESS = "00:AA:01:00:00:00"
CENTRAL_ADDRESS = "00:AA:01:01:00:01"


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="bluez-emulator", description=__doc__)
    parser.add_argument("--capture", metavar="FILE", help="append every PDU on the air to FILE (JSON lines)")
    parser.add_argument("--ready-fd", type=int, metavar="FD",
                        help="write 'ready\\n' to FD and close it once org.bluez is owned")
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    connection = dbus.SystemBus()
    loop = GLib.MainLoop()
    radio = Radio()
    if arguments.capture:
        radio.capture_file = open(arguments.capture, "a", encoding="utf-8")
    registry = ObjectRegistry(connection)
    adapters = [AdapterObject(registry, radio, 0, PERIPHERAL_ADDRESS),
                AdapterObject(registry, radio, 1, CENTRAL_ADDRESS)]
    ControlObject(connection, radio)
    result = connection.request_name(BUS_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
    if result not in (dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER, dbus.bus.REQUEST_NAME_REPLY_ALREADY_OWNER):
        print("bluez-emulator: %s is owned by another process; stop it first" % BUS_NAME, file=sys.stderr)
        return 1
    if arguments.ready_fd is not None:
        with open(arguments.ready_fd, "w", closefd=True) as ready:
            ready.write("ready\n")
    for number in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, number, _stop, loop)
    loop.run()
    for adapter in adapters:
        adapter.shutdown()
    connection.flush()
    return 0


def _stop(loop):
    loop.quit()
    return False
