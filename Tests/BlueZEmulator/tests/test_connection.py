"""Connecting, the order of what appears, disconnecting (objects stay), and an emulator restart."""

import signal

import dbus

from . import harness, peripheral_app
from .fixture import (ADAPTER, CENTRAL_ON_CARD, CHARACTERISTIC, DEVICE, DEVICE1, GATT_MANAGER, HCI0, HCI1,
                      ADVERTISING_MANAGER, EmulatorTestCase)


class ConnectionTests(EmulatorTestCase):
    def test_connected_then_objects_then_services_resolved(self):
        self.register_card()
        self.discover()
        start = self.connect()
        events = []
        for item in self.station.signals[start:]:
            if item.member == "InterfacesAdded" and item.arguments[0].startswith(DEVICE + "/"):
                events.append(("added", item.arguments[0][len(DEVICE) + 1:]))
            elif item.member == "PropertiesChanged" and item.path == DEVICE:
                events += [(str(name), bool(value)) for name, value in item.arguments[1].items()
                           if name in ("Connected", "ServicesResolved")]
        self.assertEqual(events[0], ("Connected", True))
        self.assertEqual(events[-1], ("ServicesResolved", True))
        added = [path for kind, path in events if kind == "added"]
        self.assertEqual(added, [
            "service003d",
            "service003d/char003e",
            "service003d/char0040",
            "service003d/char0040/desc0042",
            "service003d/char0043",
            "service003d/char0045",
        ])

    def test_remote_characteristics_have_flags_and_mtu(self):
        self.register_card()
        self.discover_and_connect(mtu=185)
        properties = self.station.get_all(self.remote(peripheral_app.REQUEST_UUID), CHARACTERISTIC)
        self.assertEqual(list(properties["Flags"]), ["write-without-response", "write"])
        self.assertEqual(properties["MTU"], 185)
        self.assertFalse(properties["WriteAcquired"])
        self.assertNotIn("Notifying", properties)

    def test_disconnect_order_objects_stay_and_calls_fail(self):
        self.register_card()
        self.discover_and_connect()
        request = self.remote(peripheral_app.REQUEST_UUID)
        response = self.remote(peripheral_app.RESPONSE_UUID)
        self.station.call(response, CHARACTERISTIC, "StartNotify")
        harness.run_until(lambda: self.app.response.events == ["StartNotify"], what="StartNotify at the app")
        self.station.call(request, CHARACTERISTIC, "AcquireWrite", "a{sv}", ({},))
        start = len(self.station.signals)
        self.assertEqual(self.station.control("Disconnect"), 1)
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="Connected false")
        order = []
        for item in self.station.signals[start:]:
            if item.member == "PropertiesChanged" and item.path in (request, DEVICE):
                order += [str(name) for name, value in item.arguments[1].items()
                          if name in ("WriteAcquired", "ServicesResolved", "Connected") and not value]
        self.assertEqual(order, ["WriteAcquired", "ServicesResolved", "Connected"])
        harness.run_until(lambda: self.app.response.events == ["StartNotify", "StopNotify"],
                          what="StopNotify at the app")
        self.assertFalse(self.card.get(CENTRAL_ON_CARD, DEVICE1, "Connected"))
        self.assertIn(dbus.ObjectPath(request), self.station.managed_objects())
        self.station.expect_error("org.bluez.Error.Failed", self.write, request, b"\x01", message="Not connected")
        self.station.expect_error("org.bluez.Error.Failed", self.read, self.remote(peripheral_app.INFO_UUID),
                                  message="Not connected")
        self.station.expect_error("org.bluez.Error.NotConnected", self.station.call, DEVICE, DEVICE1, "Disconnect")

    def test_reconnect_keeps_the_objects_and_notify_sessions(self):
        self.register_card()
        self.discover_and_connect()
        response = self.remote(peripheral_app.RESPONSE_UUID)
        self.station.call(response, CHARACTERISTIC, "StartNotify")
        self.station.call(DEVICE, DEVICE1, "Disconnect")
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="disconnected")
        start = len(self.station.signals)
        self.connect()
        self.assertFalse([s for s in self.station.signals[start:] if s.member == "InterfacesAdded"])
        harness.run_until(lambda: self.station.get(response, CHARACTERISTIC, "Notifying"), what="Notifying again")
        self.assertEqual(self.app.response.events, ["StartNotify", "StopNotify", "StartNotify"])

    def test_connect_fails_without_a_connectable_advertisement(self):
        self.register_card(advertise=True)
        self.discover()
        self.card.call(HCI0, ADVERTISING_MANAGER, "UnregisterAdvertisement", "o", (peripheral_app.ADVERTISEMENT_PATH,))
        self.station.expect_error("org.bluez.Error.Failed", self.station.call, DEVICE, DEVICE1, "Connect",
                                  message="le-connection-abort-by-local")

    def test_the_card_disconnecting_its_central(self):
        self.register_card()
        self.discover_and_connect()
        self.card.call(CENTRAL_ON_CARD, DEVICE1, "Disconnect")
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="station disconnected")

    def test_remove_device_while_connected_and_discovering(self):
        self.register_card()
        self.discover_and_connect()
        start = len(self.station.signals)
        self.station.call(HCI1, ADAPTER, "RemoveDevice", "o", (dbus.ObjectPath(DEVICE),))
        changes = self.station.property_changes(DEVICE, DEVICE1, start)
        self.assertIn(("Connected", False), changes, "disconnected before it is forgotten")
        removed = [index for index, s in enumerate(self.station.signals[start:])
                   if s.member == "InterfacesRemoved" and s.arguments[0] == DEVICE]
        self.assertTrue(removed, "the device was removed")
        self.station.wait_for_signal(lambda s: s.member == "InterfacesAdded" and s.arguments[0] == DEVICE,
                                     "the card's advertisement to find the device again", start + removed[0])
        self.assertFalse(self.station.get(DEVICE, DEVICE1, "Connected"))
        self.connect()
        self.assertTrue(self.station.get(DEVICE, DEVICE1, "ServicesResolved"))

    def test_an_emulator_restart_looks_like_a_bluetoothd_restart(self):
        self.register_card()
        self.discover_and_connect()
        start = len(self.card.signals)
        self.emulator.stop(signal.SIGKILL)
        self.card.wait_for_signal(lambda s: s.member == "NameOwnerChanged" and s.arguments[0] == "org.bluez"
                                  and s.arguments[2] == "", "org.bluez to vanish", start)
        self.emulator.start()
        self.assertEqual(self.station.get(HCI1, "org.bluez.Adapter1", "Address"), "00:AA:01:01:00:01")
        self.assertNotIn(dbus.ObjectPath(DEVICE), self.station.managed_objects(), "a fresh daemon knows no devices")
        self.card.call(HCI0, GATT_MANAGER, "RegisterApplication", "oa{sv}", (peripheral_app.APP_PATH, {}))
        self.card.call(HCI0, ADVERTISING_MANAGER, "RegisterAdvertisement", "oa{sv}",
                       (peripheral_app.ADVERTISEMENT_PATH, {}))
        self.assertEqual(self.app.tree_reads, 2)
        self.discover_and_connect()
        self.assertTrue(self.station.get(DEVICE, DEVICE1, "ServicesResolved"))
