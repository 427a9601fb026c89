"""GATT over the virtual radio: writes, reads, notifications with MTU truncation, errors, Acquire*."""

import socket

import dbus

from . import harness, peripheral_app
from .fixture import CENTRAL_ON_CARD, CHARACTERISTIC, EmulatorTestCase


class GattTests(EmulatorTestCase):
    def start(self, mtu=517, acquired=False):
        self.register_card(acquired=acquired)
        self.discover_and_connect(mtu=mtu)
        self.request = self.remote(peripheral_app.REQUEST_UUID)
        self.response = self.remote(peripheral_app.RESPONSE_UUID)
        self.info = self.remote(peripheral_app.INFO_UUID)
        self.control_point = self.remote(peripheral_app.CONTROL_UUID)

    def notifications(self, start):
        return [bytes(value) for name, value in self.station.property_changes(self.response, CHARACTERISTIC, start)
                if name == "Value"]

    def round_trip(self, mtu):
        self.start(mtu=mtu)
        self.write(self.request, b"\x81\x00\x00\x02hi", kind="command")
        harness.run_until(lambda: self.app.request.writes, what="the write at the app")
        value, options = self.app.request.writes[0]
        self.assertEqual(value, b"\x81\x00\x00\x02hi")
        self.assertEqual(options, {"device": CENTRAL_ON_CARD, "link": "LE", "mtu": mtu})
        self.station.call(self.response, CHARACTERISTIC, "StartNotify")
        self.assertEqual(self.app.response.events, ["StartNotify"])
        self.assertTrue(self.station.get(self.response, CHARACTERISTIC, "Notifying"))
        start = len(self.station.signals)
        self.app.response.notify(bytes(range(256)) * 3)
        harness.run_until(lambda: self.notifications(start), what="the notification")
        return self.notifications(start)[0]

    def test_round_trip_at_mtu_23_truncates_notifications_to_20_bytes(self):
        self.assertEqual(self.round_trip(23), bytes(range(20)))

    def test_round_trip_at_mtu_517_caps_notifications_at_512_bytes(self):
        self.assertEqual(self.round_trip(517), (bytes(range(256)) * 2))

    def test_a_write_request_reaches_the_app_without_a_type_key(self):
        self.start(mtu=23)
        self.write(self.control_point, b"abc", kind="request")
        self.assertEqual(self.app.control.writes, [(b"abc", {"device": CENTRAL_ON_CARD, "link": "LE", "mtu": 23})])

    def test_a_long_write_arrives_as_one_value(self):
        self.start(mtu=23)
        self.write(self.control_point, bytes(100))
        self.assertEqual([value for value, _ in self.app.control.writes], [bytes(100)])

    def test_a_long_read_asks_for_each_blob(self):
        self.start(mtu=23)
        value = self.read(self.info)
        self.assertEqual(value, (bytes(range(256)) * 2))
        self.assertEqual([read.get("offset", 0) for read in self.app.info.reads][:3], [0, 22, 44])
        self.assertNotIn("offset", self.app.info.reads[0])
        self.assertEqual(bytes(self.station.get(self.info, CHARACTERISTIC, "Value")), value)

    def test_a_second_concurrent_write_is_in_progress(self):
        self.start()
        self.app.control.hold = True
        outcome = {}
        self.station.connection.call_async(
            "org.bluez", self.control_point, CHARACTERISTIC, "WriteValue", "aya{sv}", (dbus.ByteArray(b"1"), {}),
            lambda: outcome.setdefault("first", "ok"), lambda error: outcome.setdefault("first", error))
        harness.run_until(lambda: self.app.control.held, what="the first write to be held")
        self.station.expect_error("org.bluez.Error.InProgress", self.write, self.control_point, b"2")
        self.app.control.release()
        harness.run_until(lambda: outcome, what="the first write to finish")
        self.assertEqual(outcome["first"], "ok")

    def test_over_512_bytes_is_invalid_length(self):
        self.start()
        self.station.expect_error("org.bluez.Error.InvalidArguments", self.write, self.control_point, bytes(600),
                                  message="Invalid Length")

    def test_bluez_5_66_counts_the_handle_in_the_length_of_a_write_command(self):
        self.start(mtu=517)
        self.write(self.request, bytes(511), kind="command")
        self.write(self.request, bytes(510), kind="command")
        harness.run_until(lambda: self.app.request.writes, what="the 510-byte write")
        self.assertEqual([len(value) for value, _ in self.app.request.writes], [510])

    def test_a_write_command_over_mtu_minus_3_fails_to_initiate(self):
        self.start(mtu=23)
        self.station.expect_error("org.bluez.Error.Failed", self.write, self.request, bytes(21), "command",
                                  message="Failed to initiate write")

    def test_application_errors_become_att_codes(self):
        self.start()
        self.app.control.error = ("org.bluez.Error.Failed", "0x81")
        self.station.expect_error("org.bluez.Error.Failed", self.write, self.control_point, b"x",
                                  message="Operation failed with ATT error: 0x81")
        self.app.control.error = ("org.example.Error.Whatever", "no")
        self.station.expect_error("org.bluez.Error.Failed", self.write, self.control_point, b"x",
                                  message="Operation failed with ATT error: 0x0e")
        self.app.control.error = ("org.bluez.Error.NotPermitted", "")
        self.station.expect_error("org.bluez.Error.NotPermitted", self.read, self.control_point,
                                  message="Read not permitted")

    def test_write_without_response_characteristics_are_acked_at_once(self):
        self.start()
        self.app.request.error = ("org.bluez.Error.Failed", "0x80")
        self.write(self.request, b"x", kind="request")
        self.assertEqual(len(self.app.request.writes), 1)

    def test_acquire_write_sends_datagrams_and_blocks_write_value(self):
        self.start(mtu=100)
        fd, mtu = self.station.call(self.request, CHARACTERISTIC, "AcquireWrite", "a{sv}", ({},))
        self.assertEqual(mtu, 100)
        self.assertTrue(self.station.get(self.request, CHARACTERISTIC, "WriteAcquired"))
        sock = socket.socket(fileno=fd.take())
        self.addCleanup(sock.close)
        self.assertEqual(sock.type & 0xF, socket.SOCK_SEQPACKET)
        self.station.expect_error("org.bluez.Error.NotPermitted", self.write, self.request, b"x",
                                  message="Write acquired")
        sock.send(b"one")
        sock.send(b"two")
        harness.run_until(lambda: len(self.app.request.writes) == 2, what="two writes at the app")
        self.assertEqual([value for value, _ in self.app.request.writes], [b"one", b"two"])
        self.station.control("Disconnect")
        harness.run_until(lambda: sock.recv(1, socket.MSG_DONTWAIT) == b"", what="a hang-up")

    def test_acquire_notify_delivers_datagrams_and_conflicts_with_start_notify(self):
        self.start(mtu=23)
        fd, mtu = self.station.call(self.response, CHARACTERISTIC, "AcquireNotify", "a{sv}", ({},))
        sock = socket.socket(fileno=fd.take())
        self.addCleanup(sock.close)
        self.assertTrue(self.station.get(self.response, CHARACTERISTIC, "NotifyAcquired"))
        self.station.expect_error("org.bluez.Error.NotPermitted", self.station.call, self.response, CHARACTERISTIC,
                                  "StartNotify", message="Notify acquired")
        self.app.response.notify(b"0123456789abcdefghijKLMN")
        received = []
        harness.run_until(lambda: received.append(sock.recv(600, socket.MSG_DONTWAIT)) is None
                          if _readable(sock) else False, what="a notification datagram")
        self.assertEqual(received, [b"0123456789abcdefghij"])

    def test_acquire_notify_after_start_notify_is_in_progress(self):
        self.start()
        self.station.call(self.response, CHARACTERISTIC, "StartNotify")
        self.station.expect_error("org.bluez.Error.InProgress", self.station.call, self.response, CHARACTERISTIC,
                                  "AcquireNotify", "a{sv}", ({},))

    def test_acquire_write_needs_write_without_response(self):
        self.start()
        self.station.expect_error("org.bluez.Error.NotSupported", self.station.call, self.control_point,
                                  CHARACTERISTIC, "AcquireWrite", "a{sv}", ({},))

    def test_the_app_acquired_sockets_carry_writes_and_notifications(self):
        self.start(mtu=50, acquired=True)
        self.write(self.request, b"first", kind="command")
        harness.run_until(lambda: self.app.request.acquired_write is not None, what="AcquireWrite at the app")
        self.assertEqual(self.app.request.events[0],
                         ("AcquireWrite", {"device": CENTRAL_ON_CARD, "link": "LE", "mtu": 50}))
        app_socket = self.app.request.acquired_write
        harness.run_until(lambda: _readable(app_socket), what="the first datagram")
        self.assertEqual(app_socket.recv(600), b"first")
        self.station.call(self.response, CHARACTERISTIC, "StartNotify")
        harness.run_until(lambda: self.app.response.acquired_notify is not None, what="AcquireNotify at the app")
        start = len(self.station.signals)
        self.app.response.acquired_notify.send(b"x" * 60)
        harness.run_until(lambda: self.notifications(start), what="a notification from the app's socket")
        self.assertEqual(self.notifications(start), [b"x" * 47])
        self.station.control("Disconnect")
        harness.run_until(lambda: self.app.response.acquired_notify.recv(1, socket.MSG_DONTWAIT) == b""
                          if _readable(self.app.response.acquired_notify) else False,
                          what="the app's notify socket to hang up")


def _readable(sock):
    import select
    return bool(select.select([sock], [], [], 0)[0])
