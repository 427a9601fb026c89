"""BlueZ's D-Bus errors (src/error.c, 5.66) and the ATT error codes GATT errors travel as.

The peripheral side turns an application's D-Bus error into an ATT code (dbus_error_to_att_ecode(),
src/gatt-database.c); the central side turns an ATT code back into a D-Bus error
(create_gatt_dbus_error(), src/gatt-client.c). The emulator runs both conversions, as two bluetoothds
on either end of a real link would.
"""

import re

import dbus

PREFIX = "org.bluez.Error."

# ATT error codes (Core v5.3 Vol 3 Part F 3.4.1.1, src/shared/att-types.h).
ATT_READ_NOT_PERMITTED = 0x02
ATT_WRITE_NOT_PERMITTED = 0x03
ATT_AUTHENTICATION = 0x05
ATT_REQUEST_NOT_SUPPORTED = 0x06
ATT_INVALID_OFFSET = 0x07
ATT_AUTHORIZATION = 0x08
ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE = 0x0C
ATT_INVALID_ATTRIBUTE_VALUE_LEN = 0x0D
ATT_UNLIKELY = 0x0E
ATT_INSUFFICIENT_ENCRYPTION = 0x0F
ATT_ALREADY_IN_PROGRESS = 0xFE

DEFAULT_MESSAGES = {
    "InvalidArguments": "Invalid arguments in method call",
    "InProgress": "In Progress",
    "AlreadyExists": "Already Exists",
    "NotSupported": "Operation is not supported",
    "NotConnected": "Not Connected",
    "AlreadyConnected": "Already Connected",
    "DoesNotExist": "Does Not Exist",
    "NotAuthorized": "Operation Not Authorized",
    "NotReady": "Resource Not Ready",
    "Failed": "Operation failed",
}


class BluezError(dbus.DBusException):
    """An org.bluez.Error.<name> reply; `short_name` is the part after the prefix."""

    def __init__(self, short_name, message=None):
        super().__init__(message if message is not None else DEFAULT_MESSAGES.get(short_name, short_name))
        self._dbus_error_name = PREFIX + short_name
        self.short_name = short_name


def failed(message):
    return BluezError("Failed", message)


def not_connected():
    """What every remote GATT call gets once the link is gone (the objects stay exported)."""
    return failed("Not connected")


def att_code_from_app_error(name, message, permission_error):
    """dbus_error_to_att_ecode(): the ATT code a peripheral sends for an application's D-Bus error.

    `Failed` carries its code in the message ("0x80".."0x9f"); a message that is not a number at all
    means 0x80, a number outside the application range 0x0E. NotPermitted becomes Read or Write Not
    Permitted (`permission_error`); anything else, a timeout included, 0x0E.
    """
    if name == PREFIX + "Failed":
        parsed = _strtol(message or "")
        if parsed is None:
            return 0x80
        return parsed if 0x80 <= parsed <= 0x9F else ATT_UNLIKELY
    return {
        PREFIX + "NotSupported": ATT_REQUEST_NOT_SUPPORTED,
        PREFIX + "NotAuthorized": ATT_AUTHORIZATION,
        PREFIX + "InvalidValueLength": ATT_INVALID_ATTRIBUTE_VALUE_LEN,
        PREFIX + "InvalidOffset": ATT_INVALID_OFFSET,
        PREFIX + "InProgress": ATT_ALREADY_IN_PROGRESS,
        PREFIX + "NotPermitted": permission_error,
    }.get(name, ATT_UNLIKELY)


_C_INTEGER = re.compile(r"^[ \t\n]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")


def _strtol(text):
    """C strtol(text, &end, 0) when it consumes the whole string (an empty one gives 0); else None."""
    if text == "":
        return 0
    match = _C_INTEGER.match(text)
    if match is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return sign * int(match.group(2), 16 if match.group(2)[:2].lower() == "0x" else 8 if match.group(2).startswith("0") else 10)


def error_from_att_code(code):
    """create_gatt_dbus_error(): the D-Bus error a central's caller sees for an ATT error response."""
    if code == ATT_READ_NOT_PERMITTED:
        return BluezError("NotPermitted", "Read not permitted")
    if code == ATT_WRITE_NOT_PERMITTED:
        return BluezError("NotPermitted", "Write not permitted")
    if code in (ATT_AUTHENTICATION, ATT_INSUFFICIENT_ENCRYPTION, ATT_INSUFFICIENT_ENCRYPTION_KEY_SIZE):
        return BluezError("NotPermitted", "Not paired")
    if code == ATT_INVALID_OFFSET:
        return BluezError("InvalidArguments", "Invalid offset")
    if code == ATT_INVALID_ATTRIBUTE_VALUE_LEN:
        return BluezError("InvalidArguments", "Invalid Length")
    if code == ATT_AUTHORIZATION:
        return BluezError("NotAuthorized")
    if code == ATT_REQUEST_NOT_SUPPORTED:
        return BluezError("NotSupported")
    return failed("Operation failed with ATT error: 0x%02x" % code)


def named_error(name, message):
    """A D-Bus error with any name, for errors a test injects."""
    error = dbus.DBusException(message)
    error._dbus_error_name = name
    return error
