"""An emulated controller: Adapter1 (discovery), GattManager1 and LEAdvertisingManager1 on /org/bluez/hciN.

Discovery follows src/adapter.c of 5.66: one session per bus client, filters of all sessions merged,
reports from undiscoverable advertisers dropped unless a filter is set, RSSI through
device_set_rssi_with_delta() (every change with a filter, 8 dBm steps without), and on StopDiscovery
the RSSI and TxPower of the devices found vanish and non-connectable temporary devices are removed.
"""

import dbus
import dbus.service

from . import errors, uuids
from .advertising import ADVERTISING_MANAGER, AdvertisingManager
from .advertising_data import parse_report
from .bus import ExportedObject, string_array
from .device import (DEVICE, DeviceObject, advertising_properties, device_path, manufacturer_data,
                     service_data)
from .peripheral import GattServer

ADAPTER = "org.bluez.Adapter1"
GATT_MANAGER = "org.bluez.GattManager1"
RSSI_THRESHOLD = 8
FILTER_KEYS = ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable", "Pattern"]


class DiscoveryFilter:
    """SetDiscoveryFilter's dictionary, validated as parse_discovery_filter_dict() does."""

    def __init__(self, entries):
        self.uuids = []
        self.rssi = None
        self.pathloss = None
        self.transport = "auto"
        self.duplicate = False
        self.discoverable = False
        self.pattern = None
        try:
            for key, value in entries.items():
                if key == "UUIDs":
                    self.uuids = [uuids.normalize(item) for item in value]
                elif key == "RSSI":
                    self.rssi = int(value)
                    if not -127 <= self.rssi <= 20:
                        raise ValueError("RSSI")
                elif key == "Pathloss":
                    self.pathloss = int(value)
                elif key == "Transport":
                    if value not in ("auto", "bredr", "le"):
                        raise ValueError("Transport")
                    self.transport = str(value)
                elif key == "DuplicateData":
                    self.duplicate = bool(value)
                elif key == "Discoverable":
                    self.discoverable = bool(value)
                elif key == "Pattern":
                    self.pattern = str(value)
                else:
                    raise ValueError(key)
        except (TypeError, ValueError) as error:
            raise errors.BluezError("InvalidArguments") from error
        if self.rssi is not None and self.pathloss is not None:
            raise errors.BluezError("InvalidArguments")

    def matches(self, report, rssi):
        """is_filter_match() for one session: a UUID in the report's lists (if any asked), then proximity."""
        if self.transport == "bredr":
            return False
        if self.uuids and not set(self.uuids) & set(report.services):
            return False
        if self.rssi is not None:
            return self.rssi <= rssi
        if self.pathloss is not None:
            return report.tx_power is not None and report.tx_power - rssi <= self.pathloss
        return True


class _Session:
    def __init__(self, cancel_watch):
        self.cancel_watch = cancel_watch
        self.filter = None
        self.active = False


class AdapterObject(ExportedObject):
    def __init__(self, registry, radio, index, address):
        self.radio = radio
        self.address = address
        self.name = "pivlink-emulated-hci%d" % index
        self.devices = {}
        self.sessions = {}
        self.found = []
        path = "/org/bluez/hci%d" % index
        self.path = path
        self.registry = registry
        self.advertising = AdvertisingManager(self)
        super().__init__(registry, path, {
            ADAPTER: {
                "Address": dbus.String(address),
                "AddressType": dbus.String("public"),
                "Name": dbus.String(self.name),
                "Alias": dbus.String(self.name),
                "Class": dbus.UInt32(0),
                "Powered": dbus.Boolean(True),
                "Discoverable": dbus.Boolean(False),
                "DiscoverableTimeout": dbus.UInt32(180),
                "Pairable": dbus.Boolean(True),
                "PairableTimeout": dbus.UInt32(0),
                "Discovering": dbus.Boolean(False),
                "UUIDs": string_array([]),
                "Modalias": dbus.String("usb:v1D6Bp0246d0542"),
                "Roles": string_array(["central", "peripheral"]),
            },
            GATT_MANAGER: {},
            ADVERTISING_MANAGER: self.advertising.properties(),
        })
        self.gatt_server = GattServer(self)
        self.writable[(ADAPTER, "Powered")] = self._set_powered
        self.writable[(ADAPTER, "Discoverable")] = self._set_discoverable
        self.writable[(ADAPTER, "Alias")] = lambda value: self.set(ADAPTER, "Alias", dbus.String(value or self.name))
        self.writable[(ADAPTER, "Pairable")] = lambda value: self.set(ADAPTER, "Pairable", dbus.Boolean(value))
        radio.attach(self)

    @property
    def powered(self):
        return bool(self.get(ADAPTER, "Powered"))

    @property
    def discoverable(self):
        return bool(self.get(ADAPTER, "Discoverable"))

    @property
    def scanning(self):
        return bool(self.get(ADAPTER, "Discovering"))

    def device_path(self, address):
        return device_path(self.path, address)

    def _set_powered(self, value):
        self.set(ADAPTER, "Powered", dbus.Boolean(value))
        if not value:
            for link in [link for link in self.radio.links if self in (link.central, link.peripheral)]:
                link.close()
            for session in self.sessions.values():
                session.active = False
            self._discovery_state_changed()
        self.advertising_changed()

    def _set_discoverable(self, value):
        self.set(ADAPTER, "Discoverable", dbus.Boolean(value))
        self.advertising_changed()

    # Discovery.

    def _session(self, sender):
        session = self.sessions.get(sender)
        if session is None:
            watch = self.connection.watch_name_owner(sender, lambda owner: owner or self._client_left(sender))
            session = self.sessions[sender] = _Session(watch.cancel)
        return session

    def _client_left(self, sender):
        session = self.sessions.pop(sender, None)
        if session is not None:
            session.cancel_watch()
            self._discovery_state_changed()

    @dbus.service.method(ADAPTER, sender_keyword="sender")
    def StartDiscovery(self, sender):
        self.radio.take_injected_error("StartDiscovery")
        if not self.powered:
            raise errors.BluezError("NotReady")
        session = self._session(sender)
        if session.active:
            raise errors.BluezError("InProgress", "Operation already in progress")
        session.active = True
        self._discovery_state_changed()

    @dbus.service.method(ADAPTER, sender_keyword="sender")
    def StopDiscovery(self, sender):
        self.radio.take_injected_error("StopDiscovery")
        session = self.sessions.get(sender)
        if session is None or not session.active:
            raise errors.failed("No discovery started")
        session.active = False
        if session.filter is None:
            self._client_left(sender)
        else:
            self._discovery_state_changed()

    @dbus.service.method(ADAPTER, in_signature="a{sv}", sender_keyword="sender")
    def SetDiscoveryFilter(self, entries, sender):
        self.radio.take_injected_error("SetDiscoveryFilter")
        discovery_filter = DiscoveryFilter(entries) if entries else None
        session = self._session(sender)
        session.filter = discovery_filter
        if discovery_filter is None and not session.active:
            self._client_left(sender)

    @dbus.service.method(ADAPTER, out_signature="as")
    def GetDiscoveryFilters(self):
        return string_array(FILTER_KEYS)

    @dbus.service.method(ADAPTER, in_signature="o")
    def RemoveDevice(self, path):
        """btd_adapter_remove_device(): a connected device is disconnected first, then forgotten. Its
        advertising resumes when the link closes; while we discover, that report (heard while the device
        is still known) only updates it, and the next one after the removal finds it again as a new device."""
        device = next((item for item in self.devices.values() if item.path == path), None)
        if device is None:
            raise errors.BluezError("DoesNotExist")
        if device.link is not None:
            device.link.close()
        del self.devices[device.address]
        if device in self.found:
            self.found.remove(device)
        device.remove()
        if self.scanning:
            for source in self.radio.adapters:
                if source is not self:
                    self.radio.deliver_reports(source, self)

    def _active_sessions(self):
        return [session for session in self.sessions.values() if session.active]

    @property
    def filtered(self):
        return any(session.filter is not None for session in self._active_sessions())

    def _discovery_state_changed(self):
        discovering = bool(self._active_sessions()) and self.powered
        if discovering == self.scanning:
            return
        self.set(ADAPTER, "Discovering", dbus.Boolean(discovering))
        if discovering:
            for source in self.radio.adapters:
                if source is not self:
                    self.radio.deliver_reports(source, self)
        else:
            self._discovery_cleanup()

    def _discovery_cleanup(self):
        found, self.found = self.found, []
        for device in found:
            device.forget_rssi()
        for address, device in list(self.devices.items()):
            if device.temporary and not device.connectable and device.link is None:
                del self.devices[address]
                device.remove()

    def receive_report(self, address, raw, rssi, connectable):
        """btd_adapter_update_found_device() for one advertising report heard on the radio."""
        if not self.scanning:
            return
        report = parse_report(raw)
        sessions = self._active_sessions()
        filtered = self.filtered
        discoverable = filtered or report.discoverable
        patterns = [session.filter.pattern for session in sessions
                    if session.filter is not None and session.filter.pattern is not None]
        if patterns:
            discoverable = any(address.startswith(pattern) or (report.name or "").startswith(pattern)
                               for pattern in patterns)
        matched = not filtered or any(session.filter is None or session.filter.matches(report, rssi)
                                      for session in sessions)
        device = self.devices.get(address)
        if device is None:
            if not discoverable:
                return
            threshold_rssi = rssi if matched else 0
            device = DeviceObject(self, address, advertising_properties(report, threshold_rssi) if matched else {})
            device.known_rssi = threshold_rssi
            device.connectable = connectable
            self.devices[address] = device
            if matched:
                self.found.append(device)
            return
        device.connectable = connectable or device.connectable
        if not discoverable or not matched:
            return
        self._update_device(device, report, rssi, filtered, sessions)

    def _update_device(self, device, report, rssi, filtered, sessions):
        device.update_rssi(rssi, 0 if filtered else RSSI_THRESHOLD)
        if report.tx_power is not None:
            device.set(DEVICE, "TxPower", dbus.Int16(report.tx_power))
        if report.name and report.name_complete:
            device.set(DEVICE, "Name", dbus.String(report.name))
            device.set(DEVICE, "Alias", dbus.String(report.name))
        device.add_uuids(report.services)
        duplicate = any(session.filter is not None and session.filter.duplicate for session in sessions)
        if report.manufacturer_data:
            device.set(DEVICE, "ManufacturerData", manufacturer_data(report), always_emit=duplicate)
        if report.service_data:
            device.set(DEVICE, "ServiceData", service_data(report), always_emit=duplicate)
        device.set(DEVICE, "AdvertisingFlags", dbus.Array([dbus.Byte(report.flags)], signature="y"))
        if device not in self.found:
            self.found.append(device)

    # Advertising and incoming links.

    def on_air(self):
        """Connectable advertising stops while we are connected as a peripheral (legacy advertising)."""
        if not self.powered:
            return []
        serving = any(link.peripheral is self for link in self.radio.links)
        return [entry for entry in self.advertising.on_air() if not (serving and entry[2])]

    def advertising_changed(self):
        self.radio.advertisements_changed(self)

    def accept_link(self, link):
        link.server = self.gatt_server
        self.gatt_server.attach(link)
        device = self.devices.get(link.central.address)
        if device is None:
            device = DeviceObject(self, link.central.address, {})
            self.devices[link.central.address] = device
        device.attach_incoming(link)
        self.advertising_changed()

    def link_closed(self, device):
        """Called by a device of ours when its link closes."""
        for link in list(self.gatt_server.links):
            if link.central.address == device.address:
                self.gatt_server.detach(link)
        self.advertising_changed()

    # GattManager1.

    @dbus.service.method(GATT_MANAGER, in_signature="oa{sv}", sender_keyword="sender",
                         async_callbacks=("reply", "error"))
    def RegisterApplication(self, path, options, sender, reply, error):
        self.radio.take_injected_error("RegisterApplication")
        self.gatt_server.register(sender, str(path), reply, error)

    @dbus.service.method(GATT_MANAGER, in_signature="o", sender_keyword="sender")
    def UnregisterApplication(self, path, sender):
        self.radio.take_injected_error("UnregisterApplication")
        self.gatt_server.unregister(sender, str(path))

    # LEAdvertisingManager1.

    @dbus.service.method(ADVERTISING_MANAGER, in_signature="oa{sv}", sender_keyword="sender",
                         async_callbacks=("reply", "error"))
    def RegisterAdvertisement(self, path, options, sender, reply, error):
        self.radio.take_injected_error("RegisterAdvertisement")
        self.advertising.register(sender, str(path), reply, error)

    @dbus.service.method(ADVERTISING_MANAGER, in_signature="o", sender_keyword="sender")
    def UnregisterAdvertisement(self, path, sender):
        self.radio.take_injected_error("UnregisterAdvertisement")
        self.advertising.unregister(sender, str(path))

    def shutdown(self):
        self.advertising.shutdown()
        for link in [link for link in self.radio.links if self in (link.central, link.peripheral)]:
            link.close()
        self.gatt_server.shutdown()
        for device in list(self.devices.values()):
            device.remove()
        self.devices.clear()
        self.unexport()
