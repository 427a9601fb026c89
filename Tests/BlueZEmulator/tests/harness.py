"""A private system bus and the emulator in a child process, driven from a GLib main loop.

Every D-Bus call a test makes is asynchronous and waited for while the loop runs, because the test's own
peripheral application (served by the same loop) must answer the emulator meanwhile. Waits have deadlines;
nothing sleeps a fixed time.
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time

import dbus
import dbus.bus
import dbus.mainloop.glib
from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEADLINE = 10.0

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)


class Timeout(AssertionError):
    pass


def run_until(predicate, timeout=DEADLINE, what="condition"):
    """Runs the main loop until predicate() is true; fails the test after `timeout` seconds."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    ticker = GLib.timeout_add(50, lambda: True)
    try:
        while not predicate():
            if time.monotonic() > deadline:
                raise Timeout("timed out after %.1f s waiting for %s" % (timeout, what))
            context.iteration(True)
    finally:
        GLib.source_remove(ticker)


class PrivateBus:
    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="pivlink-emulator-test-")
        output = subprocess.run([os.path.join(ROOT, "run-bus"), self.directory], check=True, capture_output=True,
                                text=True).stdout
        values = dict(line.split(";")[0].split("=", 1) for line in output.splitlines())
        self.address = values["DBUS_SYSTEM_BUS_ADDRESS"].strip("'")
        self.pid = int(values["PIVLINK_TEST_BUS_PID"])

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        shutil.rmtree(self.directory, ignore_errors=True)


class EmulatorProcess:
    """bluez-emulator on the private bus; start() returns once it owns org.bluez."""

    def __init__(self, bus):
        self.bus = bus
        self.process = None

    def start(self, extra_arguments=()):
        ready_read, ready_write = os.pipe()
        environment = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address)
        self.process = subprocess.Popen(
            [os.path.join(ROOT, "bluez-emulator"), "--ready-fd", str(ready_write), *extra_arguments],
            env=environment, pass_fds=(ready_write,))
        os.close(ready_write)
        with os.fdopen(ready_read) as ready:
            line = ready.readline()
        if line != "ready\n":
            raise AssertionError("the emulator did not start (exit %s)" % self.process.poll())

    def stop(self, how=signal.SIGTERM):
        if self.process is None:
            return
        self.process.send_signal(how)
        self.process.wait(timeout=DEADLINE)
        self.process = None


class Client:
    """One connection to the private bus with call/wait helpers and a recorder of emulator signals."""

    def __init__(self, address):
        self.connection = dbus.bus.BusConnection(address)
        self.signals = []
        self._receiver = self.connection.add_signal_receiver(
            self._record, sender_keyword="sender", path_keyword="path", interface_keyword="interface",
            member_keyword="member", byte_arrays=True)

    def _record(self, *arguments, sender=None, path=None, interface=None, member=None):
        self.signals.append(Signal(sender, str(path), interface, member, arguments))

    def close(self):
        self._receiver.remove()
        self.connection.close()

    def call(self, path, interface, method, signature="", arguments=(), destination="org.bluez", timeout=DEADLINE):
        """The reply's values (a single value unwrapped); raises the D-Bus error it got."""
        outcome = {}
        self.connection.call_async(destination, path, interface, method, signature, tuple(arguments),
                                   lambda *values: outcome.setdefault("reply", values),
                                   lambda error: outcome.setdefault("error", error),
                                   timeout=timeout, byte_arrays=True)
        run_until(lambda: outcome, timeout + 1, "a reply to %s.%s" % (interface, method))
        if "error" in outcome:
            raise outcome["error"]
        values = outcome["reply"]
        return values[0] if len(values) == 1 else values

    def get(self, path, interface, name):
        return self.call(path, "org.freedesktop.DBus.Properties", "Get", "ss", (interface, name))

    def get_all(self, path, interface):
        return self.call(path, "org.freedesktop.DBus.Properties", "GetAll", "s", (interface,))

    def managed_objects(self):
        return self.call("/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")

    def control(self, method, signature="", arguments=()):
        return self.call("/org/pivlink/emulator", "org.pivlink.Emulator1", method, signature, arguments)

    def expect_error(self, name, call, *arguments, message=None):
        """Runs call(*arguments) and returns the D-Bus error, which must have `name` (and `message`)."""
        try:
            call(*arguments)
        except dbus.DBusException as error:
            if error.get_dbus_name() != name or (message is not None and error.get_dbus_message() != message):
                raise AssertionError("expected %s %r, got %s %r" % (name, message, error.get_dbus_name(),
                                                                    error.get_dbus_message()))
            return error
        raise AssertionError("expected the error %s, the call succeeded" % name)

    def wait_for_signal(self, predicate, what, start=0, timeout=DEADLINE):
        """The first recorded signal from index `start` on that satisfies predicate."""
        found = []

        def check():
            found.extend(item for item in self.signals[start:] if predicate(item))
            return bool(found)

        run_until(check, timeout, what)
        return found[0]

    def property_changes(self, path, interface, start=0):
        """(name, value or None if invalidated) of every PropertiesChanged on `path`, in order."""
        changes = []
        for item in self.signals[start:]:
            if item.member == "PropertiesChanged" and item.path == path and item.arguments[0] == interface:
                changes += [(str(name), value) for name, value in item.arguments[1].items()]
                changes += [(str(name), None) for name in item.arguments[2]]
        return changes


class Signal:
    def __init__(self, sender, path, interface, member, arguments):
        self.sender = sender
        self.path = path
        self.interface = interface
        self.member = member
        self.arguments = arguments

    def __repr__(self):
        return "Signal(%s %s.%s %r)" % (self.path, self.interface, self.member, self.arguments)
