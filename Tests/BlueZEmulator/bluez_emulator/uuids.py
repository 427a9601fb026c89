"""Bluetooth UUIDs in the forms BlueZ uses: always 128-bit lower case on D-Bus, shortest form in AD bytes."""

import re
import uuid as _uuid

BASE_SUFFIX = "-0000-1000-8000-00805f9b34fb"
_SHORT = re.compile(r"^[0-9a-fA-F]{4}$|^[0-9a-fA-F]{8}$")

GATT_CCC = "00002902" + BASE_SUFFIX
GATT_CEP = "00002900" + BASE_SUFFIX


def normalize(text):
    """Returns the 128-bit lower-case form of a 16-, 32- or 128-bit UUID string; raises ValueError."""
    text = str(text)
    if _SHORT.match(text):
        return text.lower().rjust(8, "0") + BASE_SUFFIX
    return str(_uuid.UUID(text)).lower() if len(text) == 36 else _reject(text)


def _reject(text):
    raise ValueError("not a UUID: %r" % text)


def short_size(uuid128):
    """2, 4 or 16: the size of the shortest AD form of a normalized UUID."""
    if not uuid128.endswith(BASE_SUFFIX):
        return 16
    return 2 if uuid128.startswith("0000") else 4


def to_ad_bytes(uuid128):
    """The little-endian AD encoding in the shortest form."""
    size = short_size(uuid128)
    if size == 16:
        return _uuid.UUID(uuid128).bytes[::-1]
    return int(uuid128[:8], 16).to_bytes(size, "little")


def from_ad_bytes(raw):
    """The normalized UUID for 2, 4 or 16 little-endian bytes."""
    if len(raw) == 16:
        return str(_uuid.UUID(bytes=bytes(raw[::-1])))
    return "%08x" % int.from_bytes(raw, "little") + BASE_SUFFIX
