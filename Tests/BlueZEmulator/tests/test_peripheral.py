"""GattManager1 and LEAdvertisingManager1 on the card's adapter."""

import dbus

from . import harness, peripheral_app
from .fixture import (ADVERTISING_MANAGER, DEVICE, GATT_MANAGER, HCI0, EmulatorTestCase)


class PeripheralTests(EmulatorTestCase):
    def test_registration_reads_the_tree_once_and_ignores_later_objects(self):
        app = self.register_card(advertise=False)
        self.assertEqual(app.tree_reads, 1)
        self.card.expect_error("org.bluez.Error.AlreadyExists", self.card.call, HCI0, GATT_MANAGER,
                               "RegisterApplication", "oa{sv}", (peripheral_app.APP_PATH, {}))
        self.assertEqual(app.tree_reads, 1)

    def test_unregister_twice_is_does_not_exist(self):
        self.register_card(advertise=False)
        self.card.call(HCI0, GATT_MANAGER, "UnregisterApplication", "o", (peripheral_app.APP_PATH,))
        self.card.expect_error("org.bluez.Error.DoesNotExist", self.card.call, HCI0, GATT_MANAGER,
                               "UnregisterApplication", "o", (peripheral_app.APP_PATH,))

    def test_an_application_without_services_fails(self):
        empty = peripheral_app.Application(self.card.connection)
        empty.characteristics = []
        empty.service.properties.pop("UUID")
        self.card.expect_error("org.bluez.Error.Failed", self.card.call, HCI0, GATT_MANAGER, "RegisterApplication",
                               "oa{sv}", (peripheral_app.APP_PATH, {}), message="No valid service object found")

    def test_an_unknown_flag_fails_the_registration(self):
        app = peripheral_app.Application(self.card.connection)
        app.request.properties["Flags"] = dbus.Array(["write", "teleport"], signature="s")
        self.card.expect_error("org.bluez.Error.Failed", self.card.call, HCI0, GATT_MANAGER, "RegisterApplication",
                               "oa{sv}", (peripheral_app.APP_PATH, {}))

    def test_the_application_is_dropped_when_it_leaves_the_bus(self):
        other = harness.Client(self.bus.address)
        peripheral_app.Application(other.connection)
        other.call(HCI0, GATT_MANAGER, "RegisterApplication", "oa{sv}", (peripheral_app.APP_PATH, {}))
        self.register_card(advertise=True)
        other.close()
        self.discover_and_connect()
        services = [path for path, interfaces in self.station.managed_objects().items()
                    if "org.bluez.GattService1" in interfaces]
        self.assertEqual(len(services), 1, "only the card's own service remains")

    def test_interfaces_removed_unregisters_the_service(self):
        app = self.register_card()
        self.discover_and_connect()
        service_paths = lambda: [p for p, i in self.station.managed_objects().items() if "org.bluez.GattService1" in i]
        self.assertEqual(len(service_paths()), 1)
        app.InterfacesRemoved(peripheral_app.SERVICE_PATH, dbus.Array(["org.bluez.GattService1"], signature="s"))
        harness.run_until(lambda: not service_paths(), what="the remote service to go")

    def test_advertisement_is_read_once_and_counted(self):
        self.register_card()
        self.assertEqual(self.advertisement.get_all_calls, 1)
        self.assertEqual(self.card.get(HCI0, ADVERTISING_MANAGER, "ActiveInstances"), 1)
        self.assertEqual(self.card.get(HCI0, ADVERTISING_MANAGER, "SupportedInstances"), 4)
        self.card.expect_error("org.bluez.Error.AlreadyExists", self.card.call, HCI0, ADVERTISING_MANAGER,
                               "RegisterAdvertisement", "oa{sv}", (peripheral_app.ADVERTISEMENT_PATH, {}))

    def test_too_long_advertising_data_fails(self):
        peripheral_app.Advertisement(self.card.connection, ServiceData=dbus.Dictionary(
            {"fffd": dbus.ByteArray(bytes(10))}, signature="sv"))
        self.card.expect_error("org.bluez.Error.Failed", self.card.call, HCI0, ADVERTISING_MANAGER,
                               "RegisterAdvertisement", "oa{sv}", (peripheral_app.ADVERTISEMENT_PATH, {}),
                               message="Failed to parse advertisement.")

    def test_a_sixth_advertisement_is_not_permitted(self):
        for index in range(5):
            path = "/test/advertisement%d" % (index + 1)
            peripheral_app.Advertisement(self.card.connection, path, ServiceUUIDs=dbus.Array([], signature="s"))
            self.card.call(HCI0, ADVERTISING_MANAGER, "RegisterAdvertisement", "oa{sv}", (path, {}))
        peripheral_app.Advertisement(self.card.connection, "/test/advertisement6")
        self.card.expect_error("org.bluez.Error.NotPermitted", self.card.call, HCI0, ADVERTISING_MANAGER,
                               "RegisterAdvertisement", "oa{sv}", ("/test/advertisement6", {}),
                               message="Maximum advertisements reached")

    def test_unregistering_does_not_release_but_shutdown_does(self):
        self.register_card()
        second = peripheral_app.Advertisement(self.card.connection, "/test/advertisement1")
        self.card.call(HCI0, ADVERTISING_MANAGER, "RegisterAdvertisement", "oa{sv}", ("/test/advertisement1", {}))
        self.card.call(HCI0, ADVERTISING_MANAGER, "UnregisterAdvertisement", "o", ("/test/advertisement1",))
        self.emulator.stop()
        harness.run_until(lambda: self.advertisement.released == 1, what="Release at shutdown")
        self.assertEqual(second.released, 0)

    def test_the_card_sees_its_central_as_a_device(self):
        self.register_card()
        self.discover_and_connect()
        from .fixture import CENTRAL_ON_CARD
        self.assertTrue(self.card.get(CENTRAL_ON_CARD, "org.bluez.Device1", "Connected"))
        self.assertEqual(self.card.get(CENTRAL_ON_CARD, "org.bluez.Device1", "Address"), "00:AA:01:01:00:01")
        self.assertTrue(self.station.get(DEVICE, "org.bluez.Device1", "Connected"))
