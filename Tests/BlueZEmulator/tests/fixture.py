"""The common test set-up: a private bus, the emulator, a card connection (peripheral app) and a station
connection (central), with the steps most tests start with."""

import unittest

import dbus

from . import harness, peripheral_app

HCI0 = "/org/bluez/hci0"
HCI1 = "/org/bluez/hci1"
CARD_ADDRESS = "00:AA:01:00:00:00"
STATION_ADDRESS = "00:AA:01:01:00:01"
DEVICE = HCI1 + "/dev_00_AA_01_00_00_00"
CENTRAL_ON_CARD = HCI0 + "/dev_00_AA_01_01_00_01"
ADAPTER = "org.bluez.Adapter1"
DEVICE1 = "org.bluez.Device1"
CHARACTERISTIC = "org.bluez.GattCharacteristic1"
GATT_MANAGER = "org.bluez.GattManager1"
ADVERTISING_MANAGER = "org.bluez.LEAdvertisingManager1"


class EmulatorTestCase(unittest.TestCase):
    def setUp(self):
        self.bus = harness.PrivateBus()
        self.addCleanup(self.bus.stop)
        self.emulator = harness.EmulatorProcess(self.bus)
        self.emulator.start()
        self.addCleanup(self.emulator.stop)
        self.card = harness.Client(self.bus.address)
        self.addCleanup(self.card.close)
        self.station = harness.Client(self.bus.address)
        self.addCleanup(self.station.close)
        self.app = None

    def register_card(self, acquired=False, advertise=True):
        self.app = peripheral_app.Application(self.card.connection, acquired=acquired)
        self.card.call(HCI0, GATT_MANAGER, "RegisterApplication", "oa{sv}", (peripheral_app.APP_PATH, {}))
        if advertise:
            self.advertisement = peripheral_app.Advertisement(self.card.connection)
            self.card.call(HCI0, ADVERTISING_MANAGER, "RegisterAdvertisement", "oa{sv}",
                           (peripheral_app.ADVERTISEMENT_PATH, {}))
        return self.app

    def discover(self, discovery_filter=None):
        start = len(self.station.signals)
        if discovery_filter is not None:
            self.station.call(HCI1, ADAPTER, "SetDiscoveryFilter", "a{sv}", (discovery_filter,))
        self.station.call(HCI1, ADAPTER, "StartDiscovery")
        return self.station.wait_for_signal(
            lambda s: (s.member == "InterfacesAdded" and s.arguments[0] == DEVICE)
            or (s.member == "PropertiesChanged" and s.path == DEVICE and "RSSI" in s.arguments[1]),
            "the card's device to be discovered", start)

    def connect(self):
        """Connects the station to the card and waits for ServicesResolved; returns the signal index before."""
        start = len(self.station.signals)
        self.station.call(DEVICE, DEVICE1, "Connect")
        harness.run_until(lambda: self.station.get(DEVICE, DEVICE1, "ServicesResolved"), what="ServicesResolved")
        return start

    def discover_and_connect(self, mtu=None):
        if mtu is not None:
            self.station.control("SetMTU", "q", (dbus.UInt16(mtu),))
        self.discover()
        return self.connect()

    def remote(self, uuid):
        """The path of the station's remote characteristic with `uuid`."""
        for path, interfaces in self.station.managed_objects().items():
            if CHARACTERISTIC in interfaces and interfaces[CHARACTERISTIC]["UUID"] == uuid:
                return str(path)
        raise AssertionError("no remote characteristic %s" % uuid)

    def write(self, path, value, kind=None, offset=None):
        options = {}
        if kind is not None:
            options["type"] = dbus.String(kind)
        if offset is not None:
            options["offset"] = dbus.UInt16(offset)
        return self.station.call(path, CHARACTERISTIC, "WriteValue", "aya{sv}", (dbus.ByteArray(value), options))

    def read(self, path, offset=None):
        options = {} if offset is None else {"offset": dbus.UInt16(offset)}
        return bytes(self.station.call(path, CHARACTERISTIC, "ReadValue", "a{sv}", (options,)))
