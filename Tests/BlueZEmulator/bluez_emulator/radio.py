"""The virtual air between the emulated adapters.

It carries advertisements from advertising adapters to scanning ones (with the advertisement RSSI the
test set), and ATT traffic over links. A link has an ATT MTU fixed at connection time, a FIFO per
direction with a configurable delay, optional reordering of adjacent unacknowledged PDUs (notifications,
write commands: what EATT's shared write queue can reorder), and a capture of every PDU it carries.
"""

import collections
import json
import time

from gi.repository import GLib

from . import errors

CENTRAL_TO_PERIPHERAL = "central-to-peripheral"
PERIPHERAL_TO_CENTRAL = "peripheral-to-central"
BROADCAST = "broadcast"
CONNECT = "connect"
DIRECTIONS = (CENTRAL_TO_PERIPHERAL, PERIPHERAL_TO_CENTRAL, CONNECT)

DEFAULT_MTU = 517
MINIMUM_MTU = 23
# How long a reorderable PDU waits for a successor to swap with before it goes out alone.
REORDER_HOLD_MS = 20


class Radio:
    """Shared state of the air: adapters, links, and every knob the control interface turns."""

    def __init__(self):
        self.adapters = []
        self.links = []
        self.advertisement_rssi = -60
        self.link_rssi = -55
        self.mtu = DEFAULT_MTU
        self.delays = {direction: 0 for direction in DIRECTIONS}
        self.reorder = False
        self.capture_listeners = []
        self.capture_file = None
        # The link whose central last sent a write command (what ReplayWrites repeats on).
        self.last_write_command_link = None
        self._injected = collections.defaultdict(collections.deque)

    # Adapters and advertising.

    def attach(self, adapter):
        self.adapters.append(adapter)

    def adapter_at(self, address):
        return next((adapter for adapter in self.adapters if adapter.address == address), None)

    def advertisements_changed(self, source):
        """A new advertising report from `source` reaches every other adapter that scans."""
        for adapter in self.adapters:
            if adapter is not source and adapter.scanning:
                self.deliver_reports(source, adapter)

    def report_all(self):
        """Every advertiser sends a report to every scanner (after an RSSI change, for instance)."""
        for source in self.adapters:
            self.advertisements_changed(source)

    def deliver_reports(self, source, scanner):
        for advertising_data, scan_response, connectable in source.on_air():
            self.capture(BROADCAST, "advertising-data", "", 0, advertising_data)
            if scan_response:
                self.capture(BROADCAST, "scan-response", "", 0, scan_response)
            scanner.receive_report(source.address, advertising_data + scan_response, self.advertisement_rssi,
                                   connectable)

    # Links.

    def connect(self, central, address, on_connected, on_failed):
        """Opens a link from `central` to the adapter at `address` after the connect delay, if that adapter
        is powered and sends connectable advertisements then; else on_failed()."""

        def attempt():
            peripheral = self.adapter_at(address)
            if peripheral is None or not peripheral.powered or not central.powered or not any(
                connectable for _, _, connectable in peripheral.on_air()
            ):
                on_failed()
                return False
            link = Link(self, central, peripheral, self.mtu)
            self.links.append(link)
            peripheral.accept_link(link)
            on_connected(link)
            return False

        GLib.timeout_add(self.delays[CONNECT], attempt)

    def link_between(self, central_address, peripheral_address):
        return next(
            (link for link in self.links
             if link.central.address == central_address and link.peripheral.address == peripheral_address),
            None,
        )

    def forget(self, link):
        if link in self.links:
            self.links.remove(link)
        if self.last_write_command_link is link:
            self.last_write_command_link = None

    # Control knobs.

    def set_link_rssi(self, rssi):
        self.link_rssi = rssi
        for link in list(self.links):
            link.publish_rssi()

    def inject_error(self, method, name, message, count):
        queue = self._injected[method]
        queue.clear()
        if count:
            queue.append([name, message, count])

    def take_injected_error(self, method):
        """Raises the error a test injected for the next call of `method`, if any is left."""
        queue = self._injected.get(method)
        if not queue:
            return
        entry = queue[0]
        entry[2] -= 1
        if entry[2] == 0:
            queue.popleft()
        raise errors.named_error(entry[0], entry[1])

    def capture(self, direction, kind, uuid, handle, value, replayed=False):
        """`replayed`: a write the control interface repeated (ReplayWrites), not one the central made; the
        file record then has `"replayed": true` (the Captured signal's signature stays as it was)."""
        if not self.capture_listeners and self.capture_file is None:
            return
        value = bytes(value)
        for listener in self.capture_listeners:
            listener(direction, kind, uuid, handle, value)
        if self.capture_file is not None:
            record = {"time": time.time(), "direction": direction, "kind": kind, "uuid": uuid,
                      "handle": handle, "value": value.hex()}
            if replayed:
                record["replayed"] = True
            self.capture_file.write(json.dumps(record) + "\n")
            self.capture_file.flush()


class Link:
    """One LE connection: `central` initiated it, `peripheral` accepted it.

    `carry` puts a PDU on the air; the PDU is captured when sent and `deliver` runs at the far end after
    the direction's delay, in order (or swapped with its neighbour when reordering is on). Closing the
    link drops whatever is still in the air and tells both ends, peripheral first.
    """

    def __init__(self, radio, central, peripheral, mtu):
        self.radio = radio
        self.central = central
        self.peripheral = peripheral
        self.mtu = mtu
        self.connected = True
        self.close_listeners = []
        self.rssi_listeners = []
        # (handle, uuid) of the characteristic the central last wrote with a write command, or None.
        self.last_write_command = None
        self._queues = {direction: _DirectionQueue(self, direction)
                        for direction in (CENTRAL_TO_PERIPHERAL, PERIPHERAL_TO_CENTRAL)}

    def carry(self, direction, kind, uuid, handle, value, deliver, reorderable=False, replayed=False):
        if not self.connected:
            return
        self.radio.capture(direction, kind, uuid, handle, value, replayed)
        self._queues[direction].push(deliver, reorderable)

    def publish_rssi(self):
        for listener in list(self.rssi_listeners):
            listener(self.radio.link_rssi)

    def close(self):
        if not self.connected:
            return
        self.connected = False
        for queue in self._queues.values():
            queue.clear()
        self.radio.forget(self)
        for listener in list(self.close_listeners):
            listener()


class _DirectionQueue:
    """PDUs in flight one way: each is due `delay` ms after it was sent, never before the one ahead."""

    def __init__(self, link, direction):
        self._link = link
        self._direction = direction
        self._pending = collections.deque()
        self._held = None
        self._timer = None
        self._hold_timer = None

    def push(self, deliver, reorderable):
        radio = self._link.radio
        if radio.reorder and reorderable:
            if self._held is None:
                self._held = deliver
                self._hold_timer = GLib.timeout_add(REORDER_HOLD_MS, self._release_held)
                return
            held = self._cancel_hold()
            self._enqueue(deliver)
            self._enqueue(held)
            return
        if self._held is not None:
            self._enqueue(self._cancel_hold())
        self._enqueue(deliver)

    def clear(self):
        self._pending.clear()
        self._cancel_hold()
        if self._timer is not None:
            GLib.source_remove(self._timer)
            self._timer = None

    def _cancel_hold(self):
        held, self._held = self._held, None
        if self._hold_timer is not None:
            GLib.source_remove(self._hold_timer)
            self._hold_timer = None
        return held

    def _release_held(self):
        self._hold_timer = None
        held, self._held = self._held, None
        if held is not None:
            self._enqueue(held)
        return False

    def _enqueue(self, deliver):
        now = GLib.get_monotonic_time() // 1000
        due = now + self._link.radio.delays[self._direction]
        if self._pending:
            due = max(due, self._pending[-1][0])
        self._pending.append((due, deliver))
        self._arm()

    def _arm(self):
        if self._timer is not None or not self._pending:
            return
        wait = max(0, self._pending[0][0] - GLib.get_monotonic_time() // 1000)
        self._timer = GLib.timeout_add(wait, self._fire)

    def _fire(self):
        self._timer = None
        now = GLib.get_monotonic_time() // 1000
        while self._pending and self._pending[0][0] <= now and self._link.connected:
            _, deliver = self._pending.popleft()
            deliver()
        self._arm()
        return False
