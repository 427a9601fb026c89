"""Device1 objects (src/device.c), plus org.pivlink.EmulatedLink1 with the connected-link RSSI feed.

A device on the central adapter is created by discovery and connects through the radio; a device on the
peripheral adapter is created when a central connects in. Both show Connected; only the central's has
GATT (ServicesResolved, remote objects) and advertising data.
"""

import dbus
import dbus.service

from . import errors
from .bus import ExportedObject, byte_array, string_array
from .central import GattClient

DEVICE = "org.bluez.Device1"
EMULATED_LINK = "org.pivlink.EmulatedLink1"


def device_path(adapter_path, address):
    return "%s/dev_%s" % (adapter_path, address.replace(":", "_"))


class DeviceObject(ExportedObject):
    def __init__(self, adapter, address, extra_properties):
        self.adapter = adapter
        self.address = address
        self.link = None
        self.connecting = False
        self.known_rssi = 0
        # A device only discovery created, removed at StopDiscovery unless it advertised connectable.
        self.temporary = True
        self.connectable = False
        properties = {
            "Address": dbus.String(address),
            "AddressType": dbus.String("public"),
            "Alias": dbus.String(address.replace(":", "-")),
            "Paired": dbus.Boolean(False),
            "Bonded": dbus.Boolean(False),
            "Trusted": dbus.Boolean(False),
            "Blocked": dbus.Boolean(False),
            "LegacyPairing": dbus.Boolean(False),
            "Connected": dbus.Boolean(False),
            "UUIDs": string_array([]),
            "Adapter": dbus.ObjectPath(adapter.path),
            "ServicesResolved": dbus.Boolean(False),
        }
        properties.update(extra_properties)
        if "Name" in properties:
            properties["Alias"] = properties["Name"]
        super().__init__(adapter.registry, device_path(adapter.path, address),
                         {DEVICE: properties, EMULATED_LINK: {}})
        self.client = GattClient(self)
        self.writable[(DEVICE, "Trusted")] = lambda value: self.set(DEVICE, "Trusted", dbus.Boolean(value))
        self.writable[(DEVICE, "Blocked")] = lambda value: self.set(DEVICE, "Blocked", dbus.Boolean(value))
        self.writable[(DEVICE, "Alias")] = self._set_alias

    def _set_alias(self, value):
        alias = str(value) or str(self.get(DEVICE, "Name", self.address.replace(":", "-")))
        self.set(DEVICE, "Alias", dbus.String(alias))

    # Advertising reports (central side).

    def update_rssi(self, rssi, threshold):
        """device_set_rssi_with_delta(): 0 means unknown; otherwise only changes of `threshold` dBm count."""
        if rssi == 0 or self.known_rssi == 0:
            if self.known_rssi == rssi:
                return
        elif abs(rssi - self.known_rssi) < threshold:
            return
        self.known_rssi = rssi
        if rssi == 0:
            self.drop(DEVICE, "RSSI")
        else:
            self.set(DEVICE, "RSSI", dbus.Int16(rssi), always_emit=True)

    def forget_rssi(self):
        """discovery_cleanup(): RSSI and TxPower vanish when discovery stops."""
        self.update_rssi(0, 0)
        self.drop(DEVICE, "TxPower")

    def add_uuids(self, new_uuids):
        current = [str(item) for item in self.get(DEVICE, "UUIDs")]
        merged = sorted(set(current) | set(new_uuids))
        if merged != sorted(current):
            self.set(DEVICE, "UUIDs", string_array(merged))

    # Connection (central side).

    @dbus.service.method(DEVICE, async_callbacks=("reply", "error"))
    def Connect(self, reply, error):
        self.adapter.radio.take_injected_error("Connect")
        if self.link is not None:
            reply()
            return
        if not self.adapter.powered:
            raise errors.BluezError("NotReady")
        if self.connecting:
            raise errors.failed("Operation already in progress")
        self.connecting = True

        def connected(link):
            self.connecting = False
            self._attach(link)
            reply()
            self.client.connected(link, self._services_resolved)

        def failed():
            self.connecting = False
            error(errors.failed("le-connection-abort-by-local"))

        self.adapter.radio.connect(self.adapter, self.address, connected, failed)

    def _services_resolved(self):
        self.add_uuids(self.client.primary_uuids())
        self.set(DEVICE, "ServicesResolved", dbus.Boolean(True))

    def attach_incoming(self, link):
        """Peripheral side: the central that connected to us."""
        self._attach(link)

    def _attach(self, link):
        self.link = link
        link.close_listeners.append(self._link_closed)
        link.rssi_listeners.append(self._link_rssi)
        self.set(DEVICE, "Connected", dbus.Boolean(True))
        self._link_rssi(link.radio.link_rssi)

    def _link_rssi(self, rssi):
        self.set(EMULATED_LINK, "LinkRSSI", dbus.Int16(rssi), always_emit=True)

    def _link_closed(self):
        self.link = None
        self.client.disconnected()
        self.adapter.link_closed(self)
        self.set(DEVICE, "ServicesResolved", dbus.Boolean(False))
        self.set(DEVICE, "Connected", dbus.Boolean(False))
        self.drop(EMULATED_LINK, "LinkRSSI")

    @dbus.service.method(DEVICE)
    def Disconnect(self):
        self.adapter.radio.take_injected_error("Disconnect")
        if self.link is None:
            raise errors.BluezError("NotConnected")
        self.link.close()

    @dbus.service.method(DEVICE)
    def Pair(self):
        raise errors.BluezError("NotSupported", "The emulator does not pair")

    @dbus.service.method(DEVICE)
    def CancelPairing(self):
        raise errors.BluezError("DoesNotExist")

    def remove(self):
        if self.link is not None:
            self.link.close()
        self.client.remove_all()
        self.unexport()


def advertising_properties(report, rssi):
    """The Device1 properties an advertising report gives a new device (before it is exported)."""
    properties = {"AdvertisingFlags": byte_array([report.flags])}
    if rssi:
        properties["RSSI"] = dbus.Int16(rssi)
    if report.tx_power is not None:
        properties["TxPower"] = dbus.Int16(report.tx_power)
    if report.name:
        properties["Name"] = dbus.String(report.name)
    if report.appearance is not None:
        properties["Appearance"] = dbus.UInt16(report.appearance)
    properties["UUIDs"] = string_array(sorted(set(report.services)))
    if report.manufacturer_data:
        properties["ManufacturerData"] = manufacturer_data(report)
    if report.service_data:
        properties["ServiceData"] = service_data(report)
    return properties


def manufacturer_data(report):
    return dbus.Dictionary({dbus.UInt16(key): byte_array(value) for key, value in report.manufacturer_data.items()},
                           signature="qv")


def service_data(report):
    return dbus.Dictionary({dbus.String(key): byte_array(value) for key, value in report.service_data.items()},
                           signature="sv")
