"""The stand-ins' shared vocabulary: pivlink's GATT UUIDs, D-Bus names, and an event log.

Every observation goes to a JSON-lines file (one object per line, `t` = seconds since the process
started) and, shortened, to stderr, so a run leaves a record of what real BlueZ did, in order.
"""

import json
import sys
import time

import dbus

UUID_SUFFIX = "-6249-4f6c-b878-318bb3580b9c"
SERVICE_UUID = "898a0001" + UUID_SUFFIX
REQUEST_UUID = "898a0002" + UUID_SUFFIX
RESPONSE_UUID = "898a0003" + UUID_SUFFIX
INFO_UUID = "898a0004" + UUID_SUFFIX

BLUEZ = "org.bluez"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
GATT_MANAGER = "org.bluez.GattManager1"
GATT_SERVICE = "org.bluez.GattService1"
GATT_CHARACTERISTIC = "org.bluez.GattCharacteristic1"
ADVERTISING_MANAGER = "org.bluez.LEAdvertisingManager1"
ADVERTISEMENT = "org.bluez.LEAdvertisement1"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"

# The info characteristic's value as the stand-in peripheral serves it (docs/link-protocol.md layout is
# not needed here: the central only checks that the bytes arrive unchanged).
INFO_VALUE = bytes([0x01, 0x02, 0x00, 0x10, 0x00, 0x00, 0x00])


def plain(value):
    """A D-Bus value as JSON-friendly Python: byte arrays become hex strings."""
    if isinstance(value, dbus.Array) and value.signature == "y":
        return bytes(value).hex()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, dbus.Boolean)):
        return bool(value)
    if isinstance(value, (int, float)):
        return int(value) if isinstance(value, int) else float(value)
    return str(value)


class EventLog:
    def __init__(self, path, role):
        self.role = role
        self.started = time.monotonic()
        self.file = open(path, "a", encoding="utf-8")

    def __call__(self, event, **fields):
        record = {"t": round(time.monotonic() - self.started, 3), "role": self.role, "event": event}
        record.update({k: plain(v) for k, v in fields.items()})
        self.file.write(json.dumps(record) + "\n")
        self.file.flush()
        line = json.dumps(record)
        print(line if len(line) <= 300 else line[:297] + "...", file=sys.stderr, flush=True)
