"""Discovery on the station's adapter: devices, RSSI only while discovering, the 8 dBm rule, filters."""

import dbus

from . import harness, peripheral_app
from .fixture import ADAPTER, DEVICE, DEVICE1, HCI0, HCI1, ADVERTISING_MANAGER, EmulatorTestCase


class DiscoveryTests(EmulatorTestCase):
    def test_the_device_appears_with_advertising_data_and_rssi(self):
        self.register_card()
        self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(-42),))
        added = self.discover()
        self.assertEqual(added.member, "InterfacesAdded")
        properties = added.arguments[1][DEVICE1]
        self.assertEqual(properties["Address"], "00:AA:01:00:00:00")
        self.assertEqual(properties["AddressType"], "public")
        self.assertEqual(properties["Name"], "pivlink-card")
        self.assertEqual(properties["Alias"], "pivlink-card")
        self.assertEqual(list(properties["UUIDs"]), [peripheral_app.SERVICE_UUID])
        self.assertEqual(properties["RSSI"], -42)
        self.assertTrue(self.station.get(HCI1, ADAPTER, "Discovering"))

    def test_rssi_vanishes_on_stop_discovery_and_the_device_stays(self):
        self.register_card()
        self.discover()
        start = len(self.station.signals)
        self.station.call(HCI1, ADAPTER, "StopDiscovery")
        harness.run_until(lambda: ("RSSI", None) in self.station.property_changes(DEVICE, DEVICE1, start),
                          what="RSSI invalidated")
        self.assertNotIn("RSSI", self.station.get_all(DEVICE, DEVICE1))
        self.assertFalse(self.station.get(HCI1, ADAPTER, "Discovering"))
        self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(-30),))
        self.station.get_all(DEVICE, DEVICE1)
        self.assertNotIn("RSSI", self.station.get_all(DEVICE, DEVICE1), "no RSSI while not discovering")

    def test_without_a_filter_only_changes_of_8_dbm_are_emitted(self):
        self.register_card()
        self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(-60),))
        self.discover()
        start = len(self.station.signals)
        for rssi in (-65, -67, -69, -75):
            self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(rssi),))
        self.station.get(DEVICE, DEVICE1, "RSSI")
        rssi_changes = [value for name, value in self.station.property_changes(DEVICE, DEVICE1, start) if name == "RSSI"]
        self.assertEqual(rssi_changes, [-69])
        self.assertEqual(self.station.get(DEVICE, DEVICE1, "RSSI"), -69)

    def test_with_a_filter_every_change_is_emitted_and_weak_reports_are_dropped(self):
        self.register_card()
        self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(-60),))
        self.discover({"RSSI": dbus.Int16(-80), "UUIDs": dbus.Array([peripheral_app.SERVICE_UUID], signature="s")})
        start = len(self.station.signals)
        for rssi in (-61, -62, -90, -63):
            self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(rssi),))
        self.station.get(DEVICE, DEVICE1, "RSSI")
        rssi_changes = [value for name, value in self.station.property_changes(DEVICE, DEVICE1, start) if name == "RSSI"]
        self.assertEqual(rssi_changes, [-61, -62, -63])

    def test_an_undiscoverable_advertisement_needs_a_filter(self):
        self.app = peripheral_app.Application(self.card.connection)
        self.card.call(HCI0, "org.bluez.GattManager1", "RegisterApplication", "oa{sv}", (peripheral_app.APP_PATH, {}))
        peripheral_app.Advertisement(self.card.connection, Discoverable=dbus.Boolean(False))
        self.card.call(HCI0, ADVERTISING_MANAGER, "RegisterAdvertisement", "oa{sv}",
                       (peripheral_app.ADVERTISEMENT_PATH, {}))
        self.station.call(HCI1, ADAPTER, "StartDiscovery")
        self.station.control("SetAdvertisementRSSI", "n", (dbus.Int16(-50),))
        self.assertNotIn(DEVICE, self.station.managed_objects())
        self.station.call(HCI1, ADAPTER, "StopDiscovery")
        self.discover({"Transport": "le"})
        self.assertIn(DEVICE, self.station.managed_objects())

    def test_discovery_errors(self):
        self.station.expect_error("org.bluez.Error.Failed", self.station.call, HCI1, ADAPTER, "StopDiscovery",
                                  message="No discovery started")
        self.station.call(HCI1, ADAPTER, "StartDiscovery")
        self.station.expect_error("org.bluez.Error.InProgress", self.station.call, HCI1, ADAPTER, "StartDiscovery")
        self.station.expect_error("org.bluez.Error.InvalidArguments", self.station.call, HCI1, ADAPTER,
                                  "SetDiscoveryFilter", "a{sv}", ({"Bogus": dbus.Boolean(True)},))
        self.assertEqual(sorted(self.station.call(HCI1, ADAPTER, "GetDiscoveryFilters")),
                         sorted(["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable",
                                 "Pattern"]))

    def test_discovery_ends_when_its_client_leaves(self):
        other = harness.Client(self.bus.address)
        other.call(HCI1, ADAPTER, "StartDiscovery")
        self.assertTrue(self.station.get(HCI1, ADAPTER, "Discovering"))
        other.close()
        harness.run_until(lambda: not self.station.get(HCI1, ADAPTER, "Discovering"), what="Discovering false")

    def test_a_changed_advertisement_property_reaches_the_scanner(self):
        self.register_card()
        self.discover({"DuplicateData": dbus.Boolean(False)})
        start = len(self.station.signals)
        self.advertisement.properties["ServiceData"] = dbus.Dictionary({"fffd": dbus.ByteArray(b"\x07")},
                                                                       signature="sv")
        self.advertisement.PropertiesChanged("org.bluez.LEAdvertisement1",
                                             {"ServiceData": self.advertisement.properties["ServiceData"]},
                                             dbus.Array([], signature="s"))
        harness.run_until(lambda: any(name == "ServiceData" for name, _ in
                                      self.station.property_changes(DEVICE, DEVICE1, start)),
                          what="ServiceData at the station")
        service_data = self.station.get(DEVICE, DEVICE1, "ServiceData")
        self.assertEqual(bytes(service_data["0000fffd-0000-1000-8000-00805f9b34fb"]), b"\x07")

    def test_powering_the_card_adapter_off_disconnects(self):
        self.register_card()
        self.discover_and_connect()
        self.card.call(HCI0, "org.freedesktop.DBus.Properties", "Set", "ssv",
                       (ADAPTER, "Powered", dbus.Boolean(False)))
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="disconnected")
        self.station.expect_error("org.bluez.Error.Failed", self.station.call, DEVICE, DEVICE1, "Connect",
                                  message="le-connection-abort-by-local")
