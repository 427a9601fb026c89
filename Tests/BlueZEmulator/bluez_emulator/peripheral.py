"""The peripheral side: GattManager1 applications and the local GATT database they make (src/gatt-database.c).

RegisterApplication reads the application's objects once (GetManagedObjects on the caller's unique name
and the application path), builds services with handles, and answers. After that only three things
reach the database from the application: InterfacesRemoved (the service goes), PropertiesChanged of a
characteristic's Value (a notification to every link that enabled it), and the application leaving the
bus (everything goes). Requests from links arrive as ATT-level calls (`read`, `write`, `prepare_write`,
`execute_write`, `write_ccc`) and are answered with an ATT error code (0 = success).
"""

import socket

import dbus

from . import errors, uuids
from .radio import CENTRAL_TO_PERIPHERAL, PERIPHERAL_TO_CENTRAL
from .sockets import DatagramSocket
from .bus import byte_array, options_dictionary

SERVICE = "org.bluez.GattService1"
CHARACTERISTIC = "org.bluez.GattCharacteristic1"
DESCRIPTOR = "org.bluez.GattDescriptor1"
PROFILE = "org.bluez.GattProfile1"
APP_CALL_TIMEOUT = 25.0
MAX_VALUE_LENGTH = 512
# The first handle an application service gets; the real bluetoothd seen in the VM (research/ble.md
# §1.2) had its own services and plugins below it.
FIRST_APPLICATION_HANDLE = 0x003D

_CHARACTERISTIC_FLAGS = {
    # flag (parse_chrc_flags()): (characteristic property bits, gives read permission, gives write permission)
    "broadcast": (0x01, False, False),
    "read": (0x02, True, False),
    "write-without-response": (0x04, False, True),
    "write": (0x08, False, True),
    "notify": (0x10, False, False),
    "indicate": (0x20, False, False),
    "authenticated-signed-writes": (0x40, False, True),
    "extended-properties": (0x80, False, False),
    "reliable-write": (0x00, False, True),
    "writable-auxiliaries": (0x00, False, False),
    "encrypt-read": (0x02, True, False),
    "encrypt-write": (0x08, False, True),
    "encrypt-authenticated-read": (0x02, True, False),
    "encrypt-authenticated-write": (0x08, False, True),
    "secure-read": (0x02, True, False),
    "secure-write": (0x08, False, True),
    "authorize": (0x00, False, False),
    "encrypt-notify": (0x10, False, False),
    "encrypt-authenticated-notify": (0x10, False, False),
    "secure-notify": (0x10, False, False),
    "encrypt-indicate": (0x20, False, False),
    "encrypt-authenticated-indicate": (0x20, False, False),
    "secure-indicate": (0x20, False, False),
}
_EXTENDED_FLAGS = {"reliable-write": 0x01, "writable-auxiliaries": 0x02}
_DESCRIPTOR_FLAGS = {
    "read": (True, False), "write": (False, True), "encrypt-read": (True, False), "encrypt-write": (False, True),
    "encrypt-authenticated-read": (True, False), "encrypt-authenticated-write": (False, True),
    "secure-read": (True, False), "secure-write": (False, True), "authorize": (False, False),
}
PROPERTY_WRITE_WITHOUT_RESPONSE = 0x04
PROPERTY_WRITE = 0x08
PROPERTY_NOTIFY = 0x10
PROPERTY_INDICATE = 0x20
PROPERTY_EXTENDED = 0x80


class InvalidApplication(Exception):
    pass


class LocalDescriptor:
    def __init__(self, path, properties):
        self.path = path
        self.uuid = uuids.normalize(properties["UUID"])
        self.characteristic_path = str(properties["Characteristic"])
        self.requested_handle = int(properties.get("Handle", 0))
        self.exposes_handle = "Handle" in properties
        self.readable = self.writable = False
        for flag in properties.get("Flags", []):
            if flag not in _DESCRIPTOR_FLAGS:
                raise InvalidApplication("descriptor flag %s" % flag)
            readable, writable = _DESCRIPTOR_FLAGS[flag]
            self.readable |= readable
            self.writable |= writable
        self.handle = 0


class LocalCharacteristic:
    """A characteristic of an application, with its value handle, CCC and acquired sockets."""

    def __init__(self, path, properties):
        self.path = path
        self.uuid = uuids.normalize(properties["UUID"])
        self.service_path = str(properties["Service"])
        self.requested_handle = int(properties.get("Handle", 0))
        self.exposes_handle = "Handle" in properties
        self.flags = [str(flag) for flag in properties["Flags"]]
        self.has_write_acquired = "WriteAcquired" in properties
        self.has_notify_acquired = "NotifyAcquired" in properties
        self.properties = 0
        self.extended_properties = 0
        self.readable = self.writable = False
        for flag in self.flags:
            if flag not in _CHARACTERISTIC_FLAGS:
                raise InvalidApplication("characteristic flag %s" % flag)
            bits, readable, writable = _CHARACTERISTIC_FLAGS[flag]
            self.properties |= bits
            self.readable |= readable
            self.writable |= writable
            self.extended_properties |= _EXTENDED_FLAGS.get(flag, 0)
        if self.extended_properties:
            self.properties |= PROPERTY_EXTENDED
        self.descriptors = []
        self.handle = self.value_handle = self.ccc_handle = self.cep_handle = 0
        self.application = None
        self.write_io = None
        self.notify_io = None
        self.notify_count = 0
        self.pending_acquire = []

    @property
    def notifiable(self):
        return bool(self.properties & (PROPERTY_NOTIFY | PROPERTY_INDICATE))

    @property
    def acks_at_once(self):
        """BlueZ acknowledges every write to a write-without-response characteristic at once."""
        return bool(self.properties & PROPERTY_WRITE_WITHOUT_RESPONSE)

    def attribute_count(self):
        return 2 + (1 if self.notifiable else 0) + (1 if self.extended_properties else 0) + len(self.descriptors)


class LocalService:
    def __init__(self, path, properties):
        self.path = path
        self.uuid = uuids.normalize(properties["UUID"])
        self.primary = bool(properties.get("Primary", False))
        self.requested_handle = int(properties.get("Handle", 0))
        self.exposes_handle = "Handle" in properties
        self.characteristics = []
        self.handle = 0
        self.end_handle = 0

    def attribute_count(self):
        return 1 + sum(item.attribute_count() for item in self.characteristics)


class GattApplication:
    def __init__(self, owner, path):
        self.owner = owner
        self.path = path
        self.services = []
        self.watches = []


def build_services(objects):
    """The services of a GetManagedObjects reply, in BlueZ's order; raises InvalidApplication."""
    services, characteristics, descriptors = {}, {}, []
    try:
        for path, interfaces in objects.items():
            if SERVICE in interfaces:
                services[str(path)] = LocalService(str(path), interfaces[SERVICE])
        for path, interfaces in objects.items():
            if CHARACTERISTIC in interfaces:
                characteristic = LocalCharacteristic(str(path), interfaces[CHARACTERISTIC])
                if characteristic.service_path not in services:
                    raise InvalidApplication("characteristic %s has no service" % path)
                characteristics[str(path)] = characteristic
                services[characteristic.service_path].characteristics.append(characteristic)
        for path, interfaces in objects.items():
            if DESCRIPTOR in interfaces:
                descriptor = LocalDescriptor(str(path), interfaces[DESCRIPTOR])
                if descriptor.characteristic_path not in characteristics:
                    raise InvalidApplication("descriptor %s has no characteristic" % path)
                characteristics[descriptor.characteristic_path].descriptors.append(descriptor)
    except (KeyError, ValueError, TypeError) as error:
        raise InvalidApplication(str(error)) from error
    return list(services.values())


class GattServer:
    """The GATT database of one adapter, filled by applications, served to the links it accepts."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.connection = adapter.registry.connection
        self.applications = []
        self.links = []
        self._ccc = {}
        self._prepared = {}

    # Registration.

    def register(self, owner, path, on_done, on_error):
        if any(app.owner == owner and app.path == path for app in self.applications):
            on_error(errors.BluezError("AlreadyExists"))
            return
        application = GattApplication(owner, path)
        self.applications.append(application)

        def objects_received(objects):
            if application not in self.applications:
                return
            if not objects:
                self._fail(application, on_error, "No object received")
                return
            try:
                services = build_services(objects)
            except InvalidApplication:
                services = None
            if not services and not any(PROFILE in interfaces for interfaces in objects.values()):
                self._fail(application, on_error, "No valid service object found")
                return
            if not self._insert(application, services):
                self._fail(application, on_error, "Failed to create entry in database")
                return
            self._watch(application)
            on_done()
            self.database_changed()

        def read_failed(_error):
            if application in self.applications:
                self._fail(application, on_error, "No object received")

        self.connection.call_async(owner, path, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "", (),
                                   objects_received, read_failed, timeout=APP_CALL_TIMEOUT, byte_arrays=True)

    def unregister(self, owner, path):
        application = next((app for app in self.applications if app.owner == owner and app.path == path), None)
        if application is None:
            raise errors.BluezError("DoesNotExist")
        self._remove_application(application)

    def _fail(self, application, on_error, message):
        self.applications.remove(application)
        on_error(errors.failed(message))

    def _insert(self, application, services):
        """Gives every attribute a handle (a requested one if free) the way gatt_db_insert_service does."""
        taken = [(s.handle, s.end_handle) for app in self.applications for s in app.services]
        for service in services:
            count = service.attribute_count()
            start = service.requested_handle or self._free_range(taken, count)
            if start is None or any(start <= end and low <= start + count - 1 for low, end in taken):
                return False
            service.handle, service.end_handle = start, start + count - 1
            taken.append((service.handle, service.end_handle))
            handle = start + 1
            for characteristic in service.characteristics:
                characteristic.application = application
                characteristic.handle, characteristic.value_handle = handle, handle + 1
                handle += 2
                if characteristic.notifiable:
                    characteristic.ccc_handle, handle = handle, handle + 1
                if characteristic.extended_properties:
                    characteristic.cep_handle, handle = handle, handle + 1
                for descriptor in characteristic.descriptors:
                    descriptor.handle, handle = handle, handle + 1
        application.services = services
        for service in services:
            self._publish_handle(application, service, SERVICE, service.handle)
            for characteristic in service.characteristics:
                self._publish_handle(application, characteristic, CHARACTERISTIC, characteristic.handle)
                for descriptor in characteristic.descriptors:
                    self._publish_handle(application, descriptor, DESCRIPTOR, descriptor.handle)
        return True

    @staticmethod
    def _free_range(taken, count):
        start = FIRST_APPLICATION_HANDLE
        for low, end in sorted(taken):
            if start + count - 1 < low:
                break
            start = max(start, end + 1)
        return start if start + count - 1 <= 0xFFFF else None

    def _publish_handle(self, application, item, interface, handle):
        """write_handle(): an attribute that exposes Handle (0) is told the handle it got."""
        if item.exposes_handle and not item.requested_handle:
            self.connection.call_async(application.owner, item.path, "org.freedesktop.DBus.Properties", "Set",
                                       "ssv", (interface, "Handle", dbus.UInt16(handle)), None, None)

    def _watch(self, application):
        def removed(path, interfaces):
            if path == application.path:
                return
            service = next((s for s in application.services if s.path == path), None)
            if service is not None:
                self._drop_services(application, [service])

        def owner_changed(new_owner):
            if not new_owner and application in self.applications:
                self._remove_application(application)

        def properties_changed(interface, changed, _invalidated, path=None):
            if interface == CHARACTERISTIC and "Value" in changed:
                characteristic = self._characteristic_at_path(application, path)
                if characteristic is not None:
                    self.notify(characteristic, bytes(changed["Value"]))

        application.watches = [
            self.connection.add_signal_receiver(
                removed, "InterfacesRemoved", "org.freedesktop.DBus.ObjectManager", application.owner,
                application.path).remove,
            self.connection.add_signal_receiver(
                properties_changed, "PropertiesChanged", "org.freedesktop.DBus.Properties", application.owner,
                path_keyword="path", byte_arrays=True).remove,
            self.connection.watch_name_owner(application.owner, owner_changed).cancel,
        ]

    def _remove_application(self, application):
        if application not in self.applications:
            return
        for cancel in application.watches:
            cancel()
        self.applications.remove(application)
        self._drop_services(application, list(application.services))

    def _drop_services(self, application, services):
        for service in services:
            application.services.remove(service)
            for characteristic in service.characteristics:
                for io in (characteristic.write_io, characteristic.notify_io):
                    if io is not None:
                        io.close()
                characteristic.write_io = characteristic.notify_io = None
        self.database_changed()

    @staticmethod
    def _characteristic_at_path(application, path):
        for service in application.services:
            for characteristic in service.characteristics:
                if characteristic.path == path:
                    return characteristic
        return None

    def shutdown(self):
        for application in list(self.applications):
            self._remove_application(application)

    # The database as a central discovers it.

    def services(self):
        return sorted((s for app in self.applications for s in app.services), key=lambda s: s.handle)

    def database_changed(self):
        """Service Changed: every connected central rediscovers."""
        for link in list(self.links):
            link.client.service_changed()

    def _find(self, handle):
        for service in self.services():
            if not service.handle <= handle <= service.end_handle:
                continue
            for characteristic in service.characteristics:
                if handle == characteristic.value_handle:
                    return "value", characteristic
                if handle == characteristic.ccc_handle:
                    return "ccc", characteristic
                if handle == characteristic.cep_handle:
                    return "cep", characteristic
                for descriptor in characteristic.descriptors:
                    if handle == descriptor.handle:
                        return "descriptor", descriptor
        return None, None

    # Links.

    def attach(self, link):
        self.links.append(link)

    def detach(self, link):
        """att_disconnected(): the link's CCCs are cleared (the device is not bonded) and its queue dropped."""
        if link not in self.links:
            return
        self.links.remove(link)
        self._prepared.pop(link, None)
        for key in [key for key in self._ccc if key[0] is link]:
            characteristic = self.characteristic_by_value_handle(key[1])
            del self._ccc[key]
            if characteristic is not None:
                self._ccc_disabled(characteristic)

    def characteristic_by_value_handle(self, value_handle):
        kind, item = self._find(value_handle)
        return item if kind == "value" else None

    def _options(self, link, offset=0):
        """append_options(): device, offset only when non-zero, link, mtu; never a write type."""
        entries = {"device": dbus.ObjectPath(self.adapter.device_path(link.central.address))}
        if offset:
            entries["offset"] = dbus.UInt16(offset)
        entries["link"] = dbus.String("LE")
        entries["mtu"] = dbus.UInt16(link.mtu)
        return options_dictionary(entries)

    def _call(self, item, interface, method, signature, args, on_reply, on_error):
        application = item.application if isinstance(item, LocalCharacteristic) else self._owner_of(item)
        self.connection.call_async(application.owner, item.path, interface, method, signature, args,
                                   on_reply, on_error, timeout=APP_CALL_TIMEOUT, byte_arrays=True)

    def _owner_of(self, descriptor):
        for service in self.services():
            for characteristic in service.characteristics:
                if descriptor in characteristic.descriptors:
                    return characteristic.application
        return None

    def read(self, link, handle, offset, respond):
        """A Read or Read Blob request: respond(code, value), the value cut to MTU-1 as gatt-server does."""
        kind, item = self._find(handle)
        if kind is None:
            respond(0x01, b"")
            return
        limit = link.mtu - 1
        if kind == "ccc":
            respond(0, self._ccc.get((link, item.value_handle), 0).to_bytes(2, "little")[offset:][:limit])
            return
        if kind == "cep":
            respond(0, item.extended_properties.to_bytes(2, "little")[offset:][:limit])
            return
        if not item.readable:
            respond(errors.ATT_READ_NOT_PERMITTED, b"")
            return
        interface = CHARACTERISTIC if kind == "value" else DESCRIPTOR

        def replied(value):
            respond(0, bytes(value)[:MAX_VALUE_LENGTH][:limit])

        def failed(error):
            respond(errors.att_code_from_app_error(error.get_dbus_name(), error.get_dbus_message(),
                                                   errors.ATT_READ_NOT_PERMITTED), b"")

        self._call(item, interface, "ReadValue", "a{sv}", (self._options(link, offset),), replied, failed)

    def write(self, link, handle, value, respond, command=False):
        """A Write Request or Write Command (then `respond` is ignored by the link)."""
        code = self._check_length(len(value) + 2, 0)
        kind, item = self._find(handle)
        if kind is None:
            respond(0x01)
        elif code:
            respond(code)
        elif kind == "ccc":
            self.write_ccc(link, item, int.from_bytes(value[:2].ljust(2, b"\0"), "little"), respond)
        elif kind == "cep" or not item.writable:
            respond(errors.ATT_WRITE_NOT_PERMITTED)
        else:
            self._write_value(link, kind, item, value, 0, respond)

    def prepare_write(self, link, handle, offset, value, respond):
        """A Prepare Write Request: queued, contiguous parts joined (store_prep_data())."""
        kind, item = self._find(handle)
        code = self._check_length(len(value) + 4, offset)
        if kind is None:
            respond(0x01)
            return
        if code:
            respond(code)
            return
        if kind in ("ccc", "cep") or not item.writable:
            respond(errors.ATT_WRITE_NOT_PERMITTED)
            return
        queue = self._prepared.setdefault(link, [])
        if queue and queue[-1][0] == handle and offset == queue[-1][1] + len(queue[-1][2]):
            queue[-1][2] += value
        else:
            queue.append([handle, offset, bytearray(value)])
        respond(0)

    def execute_write(self, link, commit, respond):
        """An Execute Write Request: each joined part is written in turn; the first error stops it."""
        queue = self._prepared.pop(link, [])
        if not commit:
            respond(0)
            return

        def next_part(code=0):
            if code or not queue:
                respond(code)
                return
            handle, offset, value = queue.pop(0)
            kind, item = self._find(handle)
            if kind is None:
                respond(errors.ATT_UNLIKELY)
                return
            self._write_value(link, kind, item, bytes(value), offset, next_part)

        next_part()

    @staticmethod
    def _check_length(length, offset):
        """check_length() of 5.66, which counts the PDU's handle (and offset) bytes in the value length."""
        if length > MAX_VALUE_LENGTH:
            return errors.ATT_INVALID_ATTRIBUTE_VALUE_LEN
        if offset > MAX_VALUE_LENGTH:
            return errors.ATT_INVALID_OFFSET
        if length + offset > MAX_VALUE_LENGTH:
            return errors.ATT_INVALID_ATTRIBUTE_VALUE_LEN
        return 0

    def _write_value(self, link, kind, item, value, offset, respond):
        if kind == "descriptor":
            self._send_write(link, item, DESCRIPTOR, value, offset, respond, acks_at_once=False)
            return
        if item.write_io is not None:
            respond(0 if item.write_io.send(value) else errors.ATT_UNLIKELY)
            return
        if item.has_write_acquired:
            self._acquire_write(link, item, value, respond)
            return
        self._send_write(link, item, CHARACTERISTIC, value, offset, respond, item.acks_at_once)

    def _send_write(self, link, item, interface, value, offset, respond, acks_at_once):
        def replied():
            if not acks_at_once:
                respond(0)

        def failed(error):
            if not acks_at_once:
                respond(errors.att_code_from_app_error(error.get_dbus_name(), error.get_dbus_message(),
                                                       errors.ATT_WRITE_NOT_PERMITTED))

        self._call(item, interface, "WriteValue", "aya{sv}", (byte_array(value), self._options(link, offset)),
                   replied, failed)
        if acks_at_once:
            respond(0)

    def _acquire_write(self, link, characteristic, value, respond):
        """acquire_write(): the first write asks the application for its socket; writes wait for it."""
        characteristic.pending_acquire.append((value, respond))
        if len(characteristic.pending_acquire) > 1:
            return

        def replied(fd, _mtu):
            characteristic.write_io = DatagramSocket(socket.socket(fileno=fd.take()),
                                                      lambda: self._socket_closed(characteristic, "write_io"))
            while characteristic.pending_acquire:
                pending_value, pending_respond = characteristic.pending_acquire.pop(0)
                sent = characteristic.write_io.send(pending_value)
                pending_respond(0 if sent else errors.ATT_UNLIKELY)

        def failed(error):
            code = errors.att_code_from_app_error(error.get_dbus_name(), error.get_dbus_message(),
                                                  errors.ATT_WRITE_NOT_PERMITTED)
            pending, characteristic.pending_acquire = characteristic.pending_acquire, []
            for pending_value, pending_respond in pending:
                if code != errors.ATT_UNLIKELY:
                    pending_respond(code)
                else:
                    self._send_write(link, characteristic, CHARACTERISTIC, pending_value, 0, pending_respond,
                                     characteristic.acks_at_once)

        self._call(characteristic, CHARACTERISTIC, "AcquireWrite", "a{sv}", (self._options(link),), replied, failed)

    def _socket_closed(self, characteristic, which):
        io = getattr(characteristic, which)
        if io is not None:
            io.close()
        setattr(characteristic, which, None)

    # Notifications.

    def write_ccc(self, link, characteristic, value, respond):
        """ccc_write_cb(): enabling starts the application's notifications once for all links."""
        if value > 2 or (value == 1 and not characteristic.properties & PROPERTY_NOTIFY) or (
                value == 2 and not characteristic.properties & PROPERTY_INDICATE):
            respond(0xFD)
            return
        key = (link, characteristic.value_handle)
        before = self._ccc.get(key, 0)
        if value:
            self._ccc[key] = value
        else:
            self._ccc.pop(key, None)
        if value and not before:
            self._ccc_enabled(link, characteristic)
        elif before and not value:
            self._ccc_disabled(characteristic)
        respond(0)

    def _ccc_enabled(self, link, characteristic):
        characteristic.notify_count += 1
        if characteristic.notify_io is not None or characteristic.notify_count > 1:
            return
        if characteristic.has_notify_acquired:
            def replied(fd, _mtu):
                characteristic.notify_io = DatagramSocket(socket.socket(fileno=fd.take()),
                                                          lambda: self._socket_closed(characteristic, "notify_io"),
                                                          lambda data: self.notify(characteristic, data))

            def failed(error):
                if error.get_dbus_name() not in ("org.freedesktop.DBus.Error.NoReply", errors.PREFIX + "Failed"):
                    self._call(characteristic, CHARACTERISTIC, "StartNotify", "", (), _ignore, _ignore)

            self._call(characteristic, CHARACTERISTIC, "AcquireNotify", "a{sv}", (self._options(link),),
                       replied, failed)
            return
        self._call(characteristic, CHARACTERISTIC, "StartNotify", "", (), _ignore, _ignore)

    def _ccc_disabled(self, characteristic):
        if characteristic.notify_count == 0:
            return
        characteristic.notify_count -= 1
        if characteristic.notify_count:
            return
        if characteristic.notify_io is not None:
            self._socket_closed(characteristic, "notify_io")
            return
        self._call(characteristic, CHARACTERISTIC, "StopNotify", "", (), _ignore, _ignore)

    def notify(self, characteristic, value):
        """send_notification_to_devices(): capped at 512 B, then cut to MTU-3 per link, silently."""
        value = bytes(value)[:MAX_VALUE_LENGTH]
        for link in list(self.links):
            mode = self._ccc.get((link, characteristic.value_handle), 0)
            if not mode:
                continue
            self._send_notification(link, characteristic, value[: link.mtu - 3], indication=mode == 2)

    def _send_notification(self, link, characteristic, value, indication):
        client, handle, uuid = link.client, characteristic.value_handle, characteristic.uuid
        if not indication:
            link.carry(PERIPHERAL_TO_CENTRAL, "notification", uuid, handle, value,
                       lambda: client.receive_notification(handle, value), reorderable=True)
            return

        def confirmed():
            self._call(characteristic, CHARACTERISTIC, "Confirm", "", (), _ignore, _ignore)

        def received():
            client.receive_notification(handle, value)
            link.carry(CENTRAL_TO_PERIPHERAL, "confirmation", uuid, handle, b"", confirmed)

        link.carry(PERIPHERAL_TO_CENTRAL, "indication", uuid, handle, value, received)


def _ignore(*_arguments):
    pass
