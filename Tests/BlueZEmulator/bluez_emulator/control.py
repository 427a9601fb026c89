"""org.pivlink.Emulator1 at /org/pivlink/emulator: what tests turn, and the capture of the air.

Not part of BlueZ; the name org.bluez owns it so that restarting the emulator resets it too.
"""

import dbus
import dbus.service

from . import errors
from . import radio as radio_module
from .bus import dbus_error, DBUS_INVALID_ARGS
from .central import send_write_command

CONTROL = "org.pivlink.Emulator1"
CONTROL_PATH = "/org/pivlink/emulator"


def _invalid(message):
    return dbus_error(DBUS_INVALID_ARGS, message)


class ControlObject(dbus.service.Object):
    def __init__(self, connection, radio):
        super().__init__(connection, CONTROL_PATH)
        self.radio = radio
        radio.capture_listeners.append(self._captured)

    @dbus.service.method(CONTROL, in_signature="n")
    def SetAdvertisementRSSI(self, rssi):
        """The RSSI of advertising reports from now on; every advertiser sends a report at once."""
        if not -127 <= rssi <= 20:
            raise _invalid("RSSI must be in -127..20 dBm")
        self.radio.advertisement_rssi = int(rssi)
        self.radio.report_all()

    @dbus.service.method(CONTROL, in_signature="n")
    def SetLinkRSSI(self, rssi):
        """The connected-link RSSI: LinkRSSI of org.pivlink.EmulatedLink1 on both Device1 objects of every
        link is set and PropertiesChanged is emitted, even if the value did not change."""
        if not -127 <= rssi <= 20:
            raise _invalid("RSSI must be in -127..20 dBm")
        self.radio.set_link_rssi(int(rssi))

    @dbus.service.method(CONTROL, in_signature="q")
    def SetMTU(self, mtu):
        """The ATT MTU of links opened from now on (ATT MTU is exchanged once per connection)."""
        if not radio_module.MINIMUM_MTU <= mtu <= radio_module.DEFAULT_MTU:
            raise _invalid("MTU must be in 23..517")
        self.radio.mtu = int(mtu)

    @dbus.service.method(CONTROL, in_signature="su")
    def SetDelay(self, direction, milliseconds):
        """Delay of every PDU one way ("central-to-peripheral", "peripheral-to-central"), or of link
        establishment ("connect")."""
        if direction not in radio_module.DIRECTIONS:
            raise _invalid("direction must be one of %s" % ", ".join(radio_module.DIRECTIONS))
        self.radio.delays[str(direction)] = int(milliseconds)

    @dbus.service.method(CONTROL, in_signature="b")
    def SetReorder(self, enabled):
        """Swaps adjacent unacknowledged PDUs (notifications, write commands) in each direction."""
        self.radio.reorder = bool(enabled)

    @dbus.service.method(CONTROL, out_signature="u")
    def Disconnect(self):
        """Drops every link at once, as a supervision timeout would; returns how many there were."""
        links = list(self.radio.links)
        for link in links:
            link.close()
        return dbus.UInt32(len(links))

    @dbus.service.method(CONTROL, in_signature="aay", out_signature="u")
    def ReplayWrites(self, values):
        """Delivers each value, in order, as a Write Command to the characteristic the central of the link
        that last carried one wrote it to, exactly as if that central had written it again (an attacker
        replaying captured frames); captured with "replayed": true. Returns how many were sent."""
        link = self.radio.last_write_command_link
        if link is None or not link.connected or link.last_write_command is None:
            raise errors.failed("No link carried a write command to replay on")
        values = [bytes(value) for value in values]
        if any(len(value) + 3 > link.mtu for value in values):
            raise _invalid("every value must fit the link's ATT MTU %d (at most %d bytes)" % (link.mtu, link.mtu - 3))
        handle, uuid = link.last_write_command
        for value in values:
            send_write_command(link, handle, uuid, value, replayed=True)
        return dbus.UInt32(len(values))

    @dbus.service.method(CONTROL, in_signature="sssu")
    def InjectError(self, method, name, message, count):
        """The next `count` calls of `method` (a member name of an emulated BlueZ interface) fail with
        the D-Bus error `name` and `message`; count 0 clears."""
        if "." not in name:
            raise _invalid("the error name must be a full D-Bus error name")
        self.radio.inject_error(str(method), str(name), str(message), int(count))

    @dbus.service.method(CONTROL, in_signature="s")
    def SetCaptureFile(self, path):
        """Appends every captured PDU to `path` as a JSON line; "" stops."""
        if self.radio.capture_file is not None:
            self.radio.capture_file.close()
            self.radio.capture_file = None
        if path:
            self.radio.capture_file = open(path, "a", encoding="utf-8")

    @dbus.service.method(CONTROL, out_signature="a{sv}")
    def GetState(self):
        return dbus.Dictionary({
            "AdvertisementRSSI": dbus.Int16(self.radio.advertisement_rssi),
            "LinkRSSI": dbus.Int16(self.radio.link_rssi),
            "MTU": dbus.UInt16(self.radio.mtu),
            "Delays": dbus.Dictionary({k: dbus.UInt32(v) for k, v in self.radio.delays.items()}, signature="su"),
            "Reorder": dbus.Boolean(self.radio.reorder),
            "Links": dbus.UInt32(len(self.radio.links)),
        }, signature="sv")

    @dbus.service.signal(CONTROL, signature="sssqay")
    def Captured(self, direction, kind, uuid, handle, value):
        """One PDU on the air: direction, kind, attribute UUID ("" if none), handle, value bytes."""

    def _captured(self, direction, kind, uuid, handle, value):
        self.Captured(direction, kind, uuid, dbus.UInt16(handle), dbus.ByteArray(value))
