#!/usr/bin/python3
"""Stand-in station: finds the stand-in card over real BlueZ, connects, and exchanges through its GATT service.

    central.py ADAPTER_PATH PEER_ADAPTER_PATH EVENTS_FILE SECONDS

On ADAPTER_PATH (the station's adapter) it discovers, with a UUID filter, the device whose address is
that of PEER_ADAPTER_PATH (the card's adapter, same bluetoothd), connects, waits for ServicesResolved,
reads the info characteristic, subscribes to the response characteristic and writes requests, expecting
each echo as a notification. Then it probes behaviour the link code relies on (errors, caps, the
disconnect sequence) and logs what BlueZ did. Every org.bluez signal is logged in the order received.

Exit status 0 only when every check passed within SECONDS; observations ("observed" events) never fail
the run: they are what Tests/BlueZVM/README.md reports.
"""

import sys
import time

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

from events import (ADAPTER, BLUEZ, DEVICE, GATT_CHARACTERISTIC, GATT_SERVICE, INFO_UUID, INFO_VALUE,
                    OBJECT_MANAGER, PROPERTIES, REQUEST_UUID, RESPONSE_UUID, SERVICE_UUID, EventLog)


class CheckFailed(Exception):
    pass


class Central:
    def __init__(self, bus, adapter_path, log, deadline):
        self.bus = bus
        self.adapter_path = adapter_path
        self.log = log
        self.deadline = deadline
        self.signals = []
        self.context = GLib.MainContext.default()
        # Wakes the loop every 50 ms so waits notice their deadline without a signal arriving.
        GLib.timeout_add(50, lambda: True)
        for interface, member in ((OBJECT_MANAGER, "InterfacesAdded"), (OBJECT_MANAGER, "InterfacesRemoved"),
                                  (PROPERTIES, "PropertiesChanged")):
            bus.add_signal_receiver(self.record, signal_name=member, dbus_interface=interface, bus_name=BLUEZ,
                                    path_keyword="path", member_keyword="member")

    # --- signals and waiting -------------------------------------------------------------------------
    def record(self, *args, path, member):
        if member == "PropertiesChanged":
            interface, changed, invalidated = args
            entry = {"member": member, "path": str(path), "interface": str(interface), "changed": dict(changed),
                     "invalidated": [str(name) for name in invalidated]}
        elif member == "InterfacesAdded":
            object_path, interfaces = args
            entry = {"member": member, "path": str(object_path),
                     "interfaces": {str(k): dict(v) for k, v in interfaces.items()}}
        else:
            object_path, interfaces = args
            entry = {"member": member, "path": str(object_path), "interfaces": [str(i) for i in interfaces]}
        self.signals.append(entry)
        self.log("signal", **entry)

    def wait_for(self, what, predicate, seconds):
        limit = min(time.monotonic() + seconds, self.deadline)
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= limit:
                raise CheckFailed(f"timed out after {seconds}s waiting for {what}")
            self.context.iteration(True)

    def drain(self):
        while self.context.pending():
            self.context.iteration(False)

    def call(self, what, method, *args, timeout=25):
        """A method call whose reply is awaited by iterating the loop (signals keep flowing meanwhile)."""
        outcome = {}
        method(*args, reply_handler=lambda *reply: outcome.setdefault("reply", reply),
               error_handler=lambda error: outcome.setdefault("error", error), timeout=timeout)
        self.wait_for(what, lambda: outcome, timeout + 5)
        return outcome

    def must(self, what, method, *args, timeout=25):
        outcome = self.call(what, method, *args, timeout=timeout)
        if "error" in outcome:
            error = outcome["error"]
            raise CheckFailed(f"{what} failed: {error.get_dbus_name()}: {error.get_dbus_message()}")
        reply = outcome["reply"]
        return reply[0] if len(reply) == 1 else reply

    def attempt(self, what, method, *args, timeout=25):
        """Calls and logs the outcome, success or error, as an observation."""
        outcome = self.call(what, method, *args, timeout=timeout)
        if "error" in outcome:
            error = outcome["error"]
            self.log("observed", what=what, outcome="error", error=error.get_dbus_name(),
                     message=error.get_dbus_message())
            return ("error", error.get_dbus_name(), error.get_dbus_message())
        self.log("observed", what=what, outcome="ok")
        return ("ok",)

    # --- objects ---------------------------------------------------------------------------------------
    def properties(self, path, interface):
        return dbus.Interface(self.bus.get_object(BLUEZ, path), PROPERTIES).GetAll(interface)

    def managed_objects(self):
        return dbus.Interface(self.bus.get_object(BLUEZ, "/"), OBJECT_MANAGER).GetManagedObjects()

    def device_for(self, address):
        for path, interfaces in self.managed_objects().items():
            device = interfaces.get(DEVICE)
            if device and str(path).startswith(self.adapter_path + "/") and device.get("Address") == address:
                return str(path), device
        return None

    def changed_since(self, start, path, interface, name):
        for entry in self.signals[start:]:
            if (entry["member"] == "PropertiesChanged" and entry["path"] == path
                    and entry["interface"] == interface and name in entry["changed"]):
                yield entry["changed"][name]

    def notification_since(self, start, path, expected):
        return any(bytes(value) == expected for value in self.changed_since(start, path, GATT_CHARACTERISTIC,
                                                                            "Value"))


def run(central, log, peer_adapter_path):
    bus = central.bus
    adapter = bus.get_object(BLUEZ, central.adapter_path)
    peer = central.properties(peer_adapter_path, ADAPTER)
    own = central.properties(central.adapter_path, ADAPTER)
    for name, props in ((central.adapter_path, own), (peer_adapter_path, peer)):
        log("adapter", path=name, Address=props["Address"], AddressType=props.get("AddressType"),
            Powered=props["Powered"], Name=props.get("Name"), Roles=props.get("Roles"))
    address = str(peer["Address"])

    # Discovery with pivlink's filter.
    adapter_api = dbus.Interface(adapter, ADAPTER)
    central.must("SetDiscoveryFilter", adapter_api.SetDiscoveryFilter,
                 dbus.Dictionary({"UUIDs": dbus.Array([SERVICE_UUID], signature="s"), "Transport": "le"},
                                 signature="sv"))
    log("observed", what="GetDiscoveryFilters", keys=sorted(str(k) for k in adapter_api.GetDiscoveryFilters()))
    started = time.monotonic()
    central.must("StartDiscovery", adapter_api.StartDiscovery)

    def found():
        hit = central.device_for(address)
        return hit if hit and SERVICE_UUID in [str(u) for u in hit[1].get("UUIDs", [])] else None

    device_path, device = central.wait_for(f"the card's address {address} advertising the pivlink service",
                                           found, 60)
    log("observed", what="device found", seconds=round(time.monotonic() - started, 3), path=device_path,
        properties=dict(device))
    central.must("StopDiscovery", adapter_api.StopDiscovery)
    central.wait_for("Discovering=false", lambda: not central.properties(central.adapter_path, ADAPTER)["Discovering"], 10)
    central.drain()
    log("observed", what="device after StopDiscovery", properties=dict(central.properties(device_path, DEVICE)))

    # Connection and service resolution.
    device_api = dbus.Interface(bus.get_object(BLUEZ, device_path), DEVICE)
    mark = len(central.signals)
    started = time.monotonic()
    central.must("Connect", device_api.Connect, timeout=40)
    connected_after = time.monotonic() - started
    central.wait_for("the signal ServicesResolved=true",
                     lambda: any(central.changed_since(mark, device_path, DEVICE, "ServicesResolved")), 30)
    resolved_after = time.monotonic() - started
    # Where the GATT objects' InterfacesAdded fall relative to ServicesResolved=true (bus order).
    central.wait_for("InterfacesAdded of the pivlink service's characteristics", lambda: sum(
        1 for e in central.signals[mark:] if e["member"] == "InterfacesAdded" and e["path"].startswith(device_path + "/")
        and GATT_CHARACTERISTIC in e["interfaces"]
        and str(e["interfaces"][GATT_CHARACTERISTIC]["UUID"]) in (REQUEST_UUID, RESPONSE_UUID, INFO_UUID)) == 3, 10)
    since_connect = central.signals[mark:]
    resolved_at = next(i for i, e in enumerate(since_connect) if e["path"] == device_path
                       and "ServicesResolved" in e.get("changed", {}))
    first_object_at = next(i for i, e in enumerate(since_connect) if e["member"] == "InterfacesAdded"
                           and e["path"].startswith(device_path + "/"))
    log("observed", what="connect: signals", connected_true_signalled=any(
        central.changed_since(mark, device_path, DEVICE, "Connected")),
        services_resolved_before_gatt_objects=resolved_at < first_object_at)
    log("observed", what="connect", connect_seconds=round(connected_after, 3),
        services_resolved_seconds=round(resolved_after, 3),
        signal_order=[(e["member"], e["path"], sorted(e["changed"]) if "changed" in e else sorted(e["interfaces"]))
                      for e in central.signals[mark:]])

    characteristics, service_path = {}, None
    for path, interfaces in central.managed_objects().items():
        path = str(path)
        if not path.startswith(device_path + "/"):
            continue
        if GATT_SERVICE in interfaces and str(interfaces[GATT_SERVICE]["UUID"]) == SERVICE_UUID:
            service_path = path
        chrc = interfaces.get(GATT_CHARACTERISTIC)
        if chrc is not None:
            characteristics[str(chrc["UUID"])] = path
            log("observed", what="remote characteristic", path=path, properties=dict(chrc))
    if service_path is None:
        raise CheckFailed(f"no service {SERVICE_UUID} under {device_path} after ServicesResolved")
    missing = [u for u in (REQUEST_UUID, RESPONSE_UUID, INFO_UUID) if u not in characteristics]
    if missing:
        raise CheckFailed(f"characteristics missing under {service_path}: {', '.join(missing)}")
    log("observed", what="service", path=service_path)

    def characteristic(uuid):
        return dbus.Interface(bus.get_object(BLUEZ, characteristics[uuid]), GATT_CHARACTERISTIC)

    request, response, info = (characteristic(u) for u in (REQUEST_UUID, RESPONSE_UUID, INFO_UUID))
    response_path = characteristics[RESPONSE_UUID]

    value = bytes(central.must("ReadValue(info)", info.ReadValue, dbus.Dictionary({}, signature="sv")))
    if value != INFO_VALUE:
        raise CheckFailed(f"info read {value.hex()}, expected {INFO_VALUE.hex()}")
    log("check", what="info read", value=value)

    mark = len(central.signals)
    central.must("StartNotify(response)", response.StartNotify)
    central.wait_for("Notifying=true on the response characteristic",
                     lambda: any(central.changed_since(mark, response_path, GATT_CHARACTERISTIC, "Notifying")), 10)

    def exchange(kind, payload):
        mark = len(central.signals)
        started = time.monotonic()
        central.must(f"WriteValue({kind})", request.WriteValue, dbus.Array(payload, signature="y"),
                     dbus.Dictionary({"type": kind}, signature="sv"))
        expected = b"\xec" + payload
        central.wait_for(f"the echo of a write {kind} as a notification",
                         lambda: central.notification_since(mark, response_path, expected), 10)
        log("check", what=f"exchange by write {kind}", bytes=len(payload),
            round_trip_seconds=round(time.monotonic() - started, 3))

    exchange("request", b"pivlink request over real BlueZ")
    exchange("command", b"pivlink command over real BlueZ")
    exchange("request", bytes(range(200)) * 2 + bytes(100))  # 500 bytes: one ATT write at MTU 517

    # Probes: recorded, never failing the run.
    central.attempt("write request the app fails (Failed 0x80) on a write-without-response characteristic",
                    request.WriteValue, dbus.Array(b"\xee", signature="y"),
                    dbus.Dictionary({"type": "request"}, signature="sv"))
    mark = len(central.signals)
    central.must("WriteValue(0xB1)", request.WriteValue, dbus.Array(b"\xb1", signature="y"),
                 dbus.Dictionary({"type": "request"}, signature="sv"))
    lengths = central.wait_for("the 600-byte notification", lambda: [
        len(v) for v in central.changed_since(mark, response_path, GATT_CHARACTERISTIC, "Value")], 10)
    log("observed", what="notification of a 600-byte Value", received_lengths=lengths)
    central.attempt("write of 513 bytes", request.WriteValue, dbus.Array(bytes(513), signature="y"),
                    dbus.Dictionary({"type": "request"}, signature="sv"))
    central.attempt("write of 513 bytes as a command", request.WriteValue, dbus.Array(bytes(513), signature="y"),
                    dbus.Dictionary({"type": "command"}, signature="sv"))
    outcomes = []
    for index in range(2):
        request.WriteValue(dbus.Array(b"concurrent", signature="y"), dbus.Dictionary({"type": "request"}, signature="sv"),
                           reply_handler=lambda index=index: outcomes.append((index, "ok")),
                           error_handler=lambda error, index=index: outcomes.append(
                               (index, error.get_dbus_name() + ": " + error.get_dbus_message())))
    central.wait_for("both concurrent writes to finish", lambda: len(outcomes) == 2, 15)
    log("observed", what="two concurrent write requests", outcomes=sorted(outcomes))
    outcome = central.attempt("AcquireNotify while notifying", response.AcquireNotify,
                              dbus.Dictionary({}, signature="sv"))
    log("observed", what="client MTU property", mtu=central.properties(response_path, GATT_CHARACTERISTIC).get("MTU"),
        acquire_notify=outcome)

    # Disconnection: the order of signals, what stays exported, what calls give afterwards.
    central.drain()
    mark = len(central.signals)
    central.must("Disconnect", device_api.Disconnect)
    central.wait_for("Connected=false", lambda: not central.properties(device_path, DEVICE)["Connected"], 15)
    central.drain()
    log("observed", what="disconnect signal order",
        signal_order=[(e["member"], e["path"], {k: v for k, v in e.get("changed", {}).items()}
                       if "changed" in e else sorted(e["interfaces"])) for e in central.signals[mark:]])
    log("observed", what="response characteristic after disconnect",
        properties=dict(central.properties(response_path, GATT_CHARACTERISTIC)),
        device=dict(central.properties(device_path, DEVICE)))
    still = sorted(p for p in (str(p) for p in central.managed_objects()) if p.startswith(device_path + "/"))
    log("observed", what="remote objects after disconnect", paths=still)
    central.attempt("WriteValue after disconnect", request.WriteValue, dbus.Array(b"late", signature="y"),
                    dbus.Dictionary({"type": "request"}, signature="sv"))
    central.attempt("ReadValue after disconnect", info.ReadValue, dbus.Dictionary({}, signature="sv"))
    central.attempt("Disconnect when not connected", device_api.Disconnect)

    # Reconnection: does the subscription left from before the disconnect (Notifying stayed true) carry over?
    mark = len(central.signals)
    central.must("Connect again", device_api.Connect, timeout=40)
    central.wait_for("ServicesResolved=true after reconnecting",
                     lambda: central.properties(device_path, DEVICE)["ServicesResolved"], 30)
    payload = b"after reconnecting, without StartNotify"
    central.must("WriteValue after reconnecting", request.WriteValue, dbus.Array(payload, signature="y"),
                 dbus.Dictionary({"type": "request"}, signature="sv"))
    try:
        central.wait_for("the echo without a new StartNotify",
                         lambda: central.notification_since(mark, response_path, b"\xec" + payload), 5)
        carried = True
    except CheckFailed:
        carried = False
    log("observed", what="reconnect", notification_without_new_start_notify=carried,
        notifying=central.properties(response_path, GATT_CHARACTERISTIC).get("Notifying"))
    central.must("Disconnect at the end", device_api.Disconnect)


def main():
    adapter_path, peer_adapter_path, events_file, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    log = EventLog(events_file, "central")
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    central = Central(dbus.SystemBus(), adapter_path, log, time.monotonic() + seconds)
    try:
        run(central, log, peer_adapter_path)
    except (CheckFailed, dbus.exceptions.DBusException) as failure:
        log("failed", reason=str(failure))
        print(f"central: FAILED: {failure}", file=sys.stderr)
        return 1
    log("passed")
    print("central: the exchange over real BlueZ passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
