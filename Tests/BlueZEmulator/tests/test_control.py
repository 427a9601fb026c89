"""org.pivlink.Emulator1: link RSSI feed, delays, reordering, capture, replayed writes, injected errors."""

import json
import os
import tempfile
import time

import dbus

from . import harness, peripheral_app
from .fixture import CENTRAL_ON_CARD, CHARACTERISTIC, DEVICE, DEVICE1, EmulatorTestCase

EMULATED_LINK = "org.pivlink.EmulatedLink1"


class ControlTests(EmulatorTestCase):
    def start(self, **arguments):
        self.register_card()
        self.discover_and_connect(**arguments)
        self.request = self.remote(peripheral_app.REQUEST_UUID)
        self.response = self.remote(peripheral_app.RESPONSE_UUID)

    def test_link_rssi_is_a_feed_on_both_devices_while_connected(self):
        self.station.control("SetLinkRSSI", "n", (dbus.Int16(-50),))
        self.start()
        self.assertEqual(self.station.get(DEVICE, EMULATED_LINK, "LinkRSSI"), -50)
        self.assertEqual(self.card.get(CENTRAL_ON_CARD, EMULATED_LINK, "LinkRSSI"), -50)
        start = len(self.station.signals)
        for rssi in (-51, -51, -70):
            self.station.control("SetLinkRSSI", "n", (dbus.Int16(rssi),))
        harness.run_until(lambda: len(self.station.property_changes(DEVICE, EMULATED_LINK, start)) == 3,
                          what="three LinkRSSI samples")
        self.assertEqual(self.station.property_changes(DEVICE, EMULATED_LINK, start),
                         [("LinkRSSI", -51), ("LinkRSSI", -51), ("LinkRSSI", -70)])
        self.station.control("Disconnect")
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="disconnected")
        self.assertNotIn("LinkRSSI", self.station.get_all(DEVICE, EMULATED_LINK))

    def test_delay_holds_each_direction_back(self):
        self.start()
        self.station.control("SetDelay", "su", ("central-to-peripheral", dbus.UInt32(150)))
        began = time.monotonic()
        self.write(self.request, b"slow", kind="command")
        harness.run_until(lambda: self.app.request.writes, what="the delayed write")
        self.assertGreaterEqual(time.monotonic() - began, 0.15)
        self.station.expect_error("org.freedesktop.DBus.Error.InvalidArgs", self.station.control, "SetDelay", "su",
                                  ("sideways", dbus.UInt32(1)))

    def test_reorder_swaps_adjacent_notifications(self):
        self.start()
        self.station.call(self.response, CHARACTERISTIC, "StartNotify")
        self.station.control("SetReorder", "b", (True,))
        start = len(self.station.signals)
        for value in (b"1", b"2", b"3", b"4"):
            self.app.response.notify(value)
        values = lambda: [bytes(v) for n, v in self.station.property_changes(self.response, CHARACTERISTIC, start)
                          if n == "Value"]
        harness.run_until(lambda: len(values()) == 4, what="four notifications")
        self.assertEqual(values(), [b"2", b"1", b"4", b"3"])

    def test_captured_signal_and_file_carry_every_pdu(self):
        capture = os.path.join(tempfile.mkdtemp(prefix="pivlink-capture-"), "air.jsonl")
        self.station.control("SetCaptureFile", "s", (capture,))
        self.start()
        start = len(self.station.signals)
        self.write(self.request, b"secret?", kind="command")
        captured = self.station.wait_for_signal(
            lambda s: s.member == "Captured" and s.arguments[1] == "write-command", "a Captured signal", start)
        self.assertEqual(captured.arguments[0], "central-to-peripheral")
        self.assertEqual(captured.arguments[2], peripheral_app.REQUEST_UUID)
        self.assertEqual(bytes(captured.arguments[4]), b"secret?")
        self.station.control("SetCaptureFile", "s", ("",))
        with open(capture, encoding="utf-8") as lines:
            records = [json.loads(line) for line in lines]
        kinds = {record["kind"] for record in records}
        self.assertTrue({"advertising-data", "scan-response", "discovery-request", "write-command"} <= kinds)
        self.assertIn(b"secret?".hex(), [record["value"] for record in records])

    def test_replayed_writes_reach_the_peripheral_as_the_centrals_and_are_marked_in_the_capture(self):
        capture = os.path.join(tempfile.mkdtemp(prefix="pivlink-capture-"), "air.jsonl")
        self.station.control("SetCaptureFile", "s", (capture,))
        self.station.expect_error("org.bluez.Error.Failed", self.station.control, "ReplayWrites", "aay",
                                  ([dbus.ByteArray(b"early")],))
        self.start(mtu=23)
        self.write(self.request, b"first", kind="command")
        self.write(self.request, b"second", kind="command")
        harness.run_until(lambda: len(self.app.request.writes) == 2, what="the central's two writes")
        self.station.expect_error("org.freedesktop.DBus.Error.InvalidArgs", self.station.control, "ReplayWrites",
                                  "aay", ([dbus.ByteArray(b"ok"), dbus.ByteArray(bytes(21))],))
        replayed = self.station.control("ReplayWrites", "aay", ([dbus.ByteArray(b"first"), dbus.ByteArray(b"second")],))
        self.assertEqual(replayed, 2)
        harness.run_until(lambda: len(self.app.request.writes) == 4, what="the two replayed writes")
        self.assertEqual([value for value, _ in self.app.request.writes], [b"first", b"second", b"first", b"second"])
        self.assertEqual(self.app.request.writes[2][1], self.app.request.writes[0][1])
        self.station.control("SetCaptureFile", "s", ("",))
        with open(capture, encoding="utf-8") as lines:
            commands = [json.loads(line) for line in lines if '"write-command"' in line]
        self.assertEqual([(bytes.fromhex(r["value"]), r.get("replayed", False)) for r in commands],
                         [(b"first", False), (b"second", False), (b"first", True), (b"second", True)])
        self.assertEqual({(r["uuid"], r["handle"], r["direction"]) for r in commands},
                         {(peripheral_app.REQUEST_UUID, commands[0]["handle"], "central-to-peripheral")})
        self.station.control("Disconnect")
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="disconnected")
        self.station.expect_error("org.bluez.Error.Failed", self.station.control, "ReplayWrites", "aay",
                                  ([dbus.ByteArray(b"first")],))

    def test_injected_errors_fail_the_next_calls(self):
        self.start()
        self.station.control("InjectError", "sssu", ("WriteValue", "org.bluez.Error.Failed", "injected", 2))
        for _ in range(2):
            self.station.expect_error("org.bluez.Error.Failed", self.write, self.request, b"x", message="injected")
        self.write(self.request, b"x")
        harness.run_until(lambda: self.app.request.writes, what="the third write to go through")

    def test_mtu_applies_from_the_next_connection(self):
        self.start(mtu=23)
        self.station.control("SetMTU", "q", (dbus.UInt16(247),))
        self.assertEqual(self.station.get(self.request, CHARACTERISTIC, "MTU"), 23)
        self.station.control("Disconnect")
        harness.run_until(lambda: not self.station.get(DEVICE, DEVICE1, "Connected"), what="disconnected")
        self.assertNotIn("MTU", self.station.get_all(self.request, CHARACTERISTIC))
        self.connect()
        self.assertEqual(self.station.get(self.request, CHARACTERISTIC, "MTU"), 247)
        self.station.expect_error("org.freedesktop.DBus.Error.InvalidArgs", self.station.control, "SetMTU", "q",
                                  (dbus.UInt16(22),))
