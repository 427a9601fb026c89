"""The central side: remote GATT objects and the GATT client that drives them (src/gatt-client.c).

One GattClient belongs to one remote Device1 and outlives its links: after a disconnect the objects
stay exported (Cache=always) and every call on them fails with Failed "Not connected". Each GATT
procedure crosses the radio as the ATT PDUs BlueZ's client would send (Read/Read Blob, Write Request,
Prepare/Execute Write, Write Command, CCC writes), so the link's delay, reordering and capture apply.
"""

import socket

import dbus
import dbus.service

from . import errors, uuids
from .bus import ExportedObject, byte_array, string_array
from .peripheral import (CHARACTERISTIC, DESCRIPTOR, PROPERTY_INDICATE, PROPERTY_NOTIFY, PROPERTY_WRITE,
                         PROPERTY_WRITE_WITHOUT_RESPONSE, SERVICE, MAX_VALUE_LENGTH)
from .radio import CENTRAL_TO_PERIPHERAL, PERIPHERAL_TO_CENTRAL
from .sockets import DatagramSocket

_PROPERTY_NAMES = [(0x01, "broadcast"), (0x02, "read"), (0x04, "write-without-response"), (0x08, "write"),
                   (0x10, "notify"), (0x20, "indicate"), (0x40, "authenticated-signed-writes"),
                   (0x80, "extended-properties")]
_EXTENDED_NAMES = [(0x01, "reliable-write"), (0x02, "writable-auxiliaries")]


def _flags(properties, extended):
    names = [name for bit, name in _PROPERTY_NAMES if properties & bit]
    return string_array(names + [name for bit, name in _EXTENDED_NAMES if extended & bit])


def _parse_options(options, allow_type):
    """parse_options(): offset must be a q, type an s; other keys are ignored."""
    offset, kind = 0, None
    for key, value in options.items():
        if key.lower() == "offset":
            if not isinstance(value, dbus.UInt16):
                raise errors.BluezError("InvalidArguments")
            offset = int(value)
        elif allow_type and key.lower() == "type":
            if not isinstance(value, dbus.String):
                raise errors.BluezError("InvalidArguments")
            kind = str(value).lower()
    return offset, kind


def send_write_command(link, handle, uuid, value, replayed=False):
    """A Write Command PDU on `link` to the server's attribute `handle`: captured, then delivered in order."""
    link.carry(CENTRAL_TO_PERIPHERAL, "write-command", uuid, handle, value,
               lambda: link.server.write(link, handle, value, lambda _code: None, command=True),
               reorderable=True, replayed=replayed)


class GattClient:
    """The GATT client of one remote device: its objects, its link (or None), its notify sessions."""

    def __init__(self, device):
        self.device = device
        self.registry = device.registry
        self.link = None
        self.services = {}
        self.characteristics = {}
        self.descriptors = {}

    # Link life cycle.

    def connected(self, link, on_resolved):
        self.link = link
        link.client = self
        self._discover(on_resolved)

    def service_changed(self):
        self._discover(lambda: None)

    def _discover(self, on_done):
        """Primary service discovery as one round trip; its answer is the server's database then."""
        link = self.link

        def answered(snapshot):
            if self.link is link:
                self._synchronize(snapshot)
                self._resubscribe()
                on_done()

        def asked():
            snapshot = [_ServiceSnapshot(service) for service in link.server.services()]
            summary = b"".join(uuids.to_ad_bytes(item.uuid) for item in snapshot)
            link.carry(PERIPHERAL_TO_CENTRAL, "discovery-response", "", 0, summary, lambda: answered(snapshot))

        link.carry(CENTRAL_TO_PERIPHERAL, "discovery-request", "", 0, b"", asked)

    def _synchronize(self, snapshot):
        """Removes objects whose attribute changed, then adds new ones: service, characteristics, descriptors."""
        wanted = {}
        for service in snapshot:
            service_path = "%s/service%04x" % (self.device.path, service.handle)
            wanted[service_path] = (service.uuid, "service", service, None)
            for characteristic in service.characteristics:
                path = "%s/char%04x" % (service_path, characteristic.handle)
                wanted[path] = (characteristic.uuid, "characteristic", characteristic, service_path)
                for handle, uuid in characteristic.descriptors:
                    wanted["%s/desc%04x" % (path, handle)] = (uuid, "descriptor", (handle, uuid), path)
        existing = {**self.services, **self.characteristics, **self.descriptors}
        for path in sorted(existing, key=len, reverse=True):
            item = existing[path]
            if path not in wanted or wanted[path][0] != item.uuid:
                self._remove(path)
        for path, (uuid, kind, source, parent) in wanted.items():
            if path in self.services or path in self.characteristics or path in self.descriptors:
                continue
            if kind == "service":
                self.services[path] = RemoteService(self, path, source)
            elif kind == "characteristic":
                self.characteristics[path] = RemoteCharacteristic(self, path, source, parent)
            else:
                self.descriptors[path] = RemoteDescriptor(self, path, source[0], source[1], parent)
        for characteristic in self.characteristics.values():
            characteristic.set(CHARACTERISTIC, "MTU", dbus.UInt16(self.link.mtu))

    def _remove(self, path):
        for table in (self.descriptors, self.characteristics, self.services):
            item = table.pop(path, None)
            if item is not None:
                item.forget()
                item.unexport()

    def _resubscribe(self):
        for characteristic in self.characteristics.values():
            characteristic.resubscribe()

    def primary_uuids(self):
        return [service.uuid for service in self.services.values()]

    def disconnected(self):
        self.link = None
        for characteristic in self.characteristics.values():
            characteristic.link_lost()

    def receive_notification(self, handle, value):
        characteristic = next((c for c in self.characteristics.values() if c.value_handle == handle), None)
        if characteristic is not None:
            characteristic.notified(value)

    def remove_all(self):
        for path in sorted({**self.services, **self.characteristics, **self.descriptors}, key=len, reverse=True):
            self._remove(path)

    # ATT procedures, each on the current link.

    def read_long(self, handle, offset, uuid, done):
        """bt_gatt_client_read_long_value(): Read (Blob) until a response is shorter than MTU-1 or 512 is reached."""
        link = self.link
        collected = bytearray()

        def request(at):
            kind = "read-blob-request" if at else "read-request"
            link.carry(CENTRAL_TO_PERIPHERAL, kind, uuid, handle, at.to_bytes(2, "little"),
                       lambda: link.server.read(link, handle, at, lambda code, value: respond(at, code, value)))

        def respond(at, code, value):
            link.carry(PERIPHERAL_TO_CENTRAL, "error-response" if code else "read-response", uuid, handle,
                       bytes([code]) if code else value, lambda: answered(at, code, value))

        def answered(at, code, value):
            if code:
                done(code, None)
                return
            value = value[: MAX_VALUE_LENGTH - at]
            collected.extend(value)
            if len(value) == link.mtu - 1 and at + len(value) < MAX_VALUE_LENGTH:
                request(at + len(value))
            else:
                done(0, bytes(collected))

        request(offset)

    def write_request(self, handle, value, uuid, done):
        link = self.link

        def respond(code):
            link.carry(PERIPHERAL_TO_CENTRAL, "error-response" if code else "write-response", uuid, handle,
                       bytes([code]) if code else b"", lambda: done(code))

        link.carry(CENTRAL_TO_PERIPHERAL, "write-request", uuid, handle, value,
                   lambda: link.server.write(link, handle, value, respond))

    def write_long(self, handle, value, offset, uuid, done):
        """bt_gatt_client_write_long_value(): Prepare Writes of MTU-5 bytes, then Execute (or cancel on error)."""
        link = self.link
        chunk = link.mtu - 5
        parts = [(offset + at, value[at : at + chunk]) for at in range(0, max(len(value), 1), chunk)]

        def prepare(index):
            if index == len(parts):
                execute(True, 0)
                return
            at, part = parts[index]

            def respond(code):
                link.carry(PERIPHERAL_TO_CENTRAL, "error-response" if code else "prepare-write-response", uuid,
                           handle, bytes([code]) if code else part,
                           lambda: execute(False, code) if code else prepare(index + 1))

            link.carry(CENTRAL_TO_PERIPHERAL, "prepare-write-request", uuid, handle, part,
                       lambda: link.server.prepare_write(link, handle, at, part, respond))

        def execute(commit, failure):
            def respond(code):
                link.carry(PERIPHERAL_TO_CENTRAL, "error-response" if code else "execute-write-response", uuid,
                           handle, bytes([code]) if code else b"", lambda: done(failure or code))

            link.carry(CENTRAL_TO_PERIPHERAL, "execute-write-request", uuid, handle, bytes([int(commit)]),
                       lambda: link.server.execute_write(link, commit, respond))

        prepare(0)

    def write_command(self, handle, value, uuid):
        """bt_gatt_client_write_without_response(): False when the PDU would not fit the MTU."""
        link = self.link
        if len(value) + 3 > link.mtu:
            return False
        link.last_write_command = (handle, uuid)
        link.radio.last_write_command_link = link
        send_write_command(link, handle, uuid, value)
        return True

    def write_ccc(self, characteristic, enable, done):
        link = self.link
        value = (2 if characteristic.properties & PROPERTY_INDICATE and not characteristic.properties & PROPERTY_NOTIFY
                 else 1) if enable else 0
        handle = characteristic.ccc_handle

        def respond(code):
            link.carry(PERIPHERAL_TO_CENTRAL, "error-response" if code else "write-response", uuids.GATT_CCC,
                       handle, bytes([code]) if code else b"", lambda: done(code))

        def arrived():
            server_characteristic = link.server.characteristic_by_value_handle(characteristic.value_handle)
            if server_characteristic is None:
                respond(0x01)
            else:
                link.server.write_ccc(link, server_characteristic, value, respond)

        link.carry(CENTRAL_TO_PERIPHERAL, "write-request", uuids.GATT_CCC, handle, value.to_bytes(2, "little"),
                   arrived)


class _ServiceSnapshot:
    """What discovery learns of one server service: handles, UUIDs, properties, descriptors."""

    def __init__(self, service):
        self.handle = service.handle
        self.uuid = service.uuid
        self.primary = service.primary
        self.characteristics = [_CharacteristicSnapshot(item) for item in service.characteristics]


class _CharacteristicSnapshot:
    def __init__(self, characteristic):
        self.handle = characteristic.handle
        self.value_handle = characteristic.value_handle
        self.uuid = characteristic.uuid
        self.properties = characteristic.properties
        self.extended_properties = characteristic.extended_properties
        self.ccc_handle = characteristic.ccc_handle
        self.descriptors = []
        if characteristic.ccc_handle:
            self.descriptors.append((characteristic.ccc_handle, uuids.GATT_CCC))
        if characteristic.cep_handle:
            self.descriptors.append((characteristic.cep_handle, uuids.GATT_CEP))
        self.descriptors += [(item.handle, item.uuid) for item in characteristic.descriptors]


class RemoteService(ExportedObject):
    def __init__(self, client, path, snapshot):
        self.uuid = snapshot.uuid
        super().__init__(client.registry, path, {SERVICE: {
            "UUID": dbus.String(snapshot.uuid),
            "Device": dbus.ObjectPath(client.device.path),
            "Primary": dbus.Boolean(snapshot.primary),
            "Includes": dbus.Array([], signature="o"),
        }})

    def forget(self):
        pass


class _ReadOperation:
    """A read in flight; callers asking for the same offset share its answer (async_dbus_op)."""

    def __init__(self, offset):
        self.offset = offset
        self.waiters = []


class RemoteCharacteristic(ExportedObject):
    """A remote characteristic: the GattCharacteristic1 methods a central calls."""

    def __init__(self, client, path, snapshot, service_path):
        self.client = client
        self.uuid = snapshot.uuid
        self.handle = snapshot.handle
        self.value_handle = snapshot.value_handle
        self.ccc_handle = snapshot.ccc_handle
        self.properties = snapshot.properties
        self.extended_properties = snapshot.extended_properties
        self.read_operation = None
        self.write_busy = False
        self.write_io = None
        self.notify_io = None
        self.notify_sessions = {}
        self.subscribed = False
        properties = {
            "UUID": dbus.String(self.uuid),
            "Service": dbus.ObjectPath(service_path),
            "Flags": _flags(self.properties, self.extended_properties),
        }
        if self.properties & (PROPERTY_NOTIFY | PROPERTY_INDICATE):
            properties["Notifying"] = dbus.Boolean(False)
        if self.properties & PROPERTY_WRITE_WITHOUT_RESPONSE:
            properties["WriteAcquired"] = dbus.Boolean(False)
        if self.properties & PROPERTY_NOTIFY:
            properties["NotifyAcquired"] = dbus.Boolean(False)
        if client.link is not None:
            properties["MTU"] = dbus.UInt16(client.link.mtu)
        super().__init__(client.registry, path, {CHARACTERISTIC: properties})

    @property
    def _radio(self):
        return self.client.device.adapter.radio

    def _require_link(self):
        if self.client.link is None:
            raise errors.not_connected()
        return self.client.link

    @dbus.service.method(CHARACTERISTIC, in_signature="a{sv}", out_signature="ay",
                         async_callbacks=("reply", "error"))
    def ReadValue(self, options, reply, error):
        self._radio.take_injected_error("ReadValue")
        self._require_link()
        offset, _ = _parse_options(options, allow_type=False)
        if self.read_operation is not None:
            if self.read_operation.offset != offset:
                raise errors.BluezError("InProgress")
            self.read_operation.waiters.append((reply, error))
            return
        operation = self.read_operation = _ReadOperation(offset)
        operation.waiters.append((reply, error))

        def done(code, value):
            if self.read_operation is not operation:
                return
            self.read_operation = None
            stored = b"" if code else self._store_value(value, offset)
            for waiter_reply, waiter_error in operation.waiters:
                if code:
                    waiter_error(errors.error_from_att_code(code))
                else:
                    waiter_reply(byte_array(stored[offset:]))

        self.client.read_long(self.value_handle, offset, self.uuid, done)

    def _store_value(self, value, offset):
        """The attribute cache: a read from 0 replaces the value, a read from an offset overwrites from there."""
        stored = bytearray(bytes(self.get(CHARACTERISTIC, "Value", b""))[:offset] if offset else b"")
        stored[offset:] = value
        self.set(CHARACTERISTIC, "Value", byte_array(stored), always_emit=True)
        return bytes(stored)

    @dbus.service.method(CHARACTERISTIC, in_signature="aya{sv}", async_callbacks=("reply", "error"))
    def WriteValue(self, value, options, reply, error):
        self._radio.take_injected_error("WriteValue")
        link = self._require_link()
        if self.write_io is not None:
            raise errors.BluezError("NotPermitted", "Write acquired")
        if self.write_busy:
            raise errors.BluezError("InProgress")
        offset, kind = _parse_options(options, allow_type=True)
        value = bytes(value)

        def finished(code):
            self.write_busy = False
            if code:
                error(errors.error_from_att_code(code))
            else:
                reply()

        if (kind is None and self.extended_properties & 0x01) or kind == "reliable":
            self.write_busy = True
            self.client.write_long(self.value_handle, value, offset, self.uuid, finished)
            return
        if (kind is None and self.properties & PROPERTY_WRITE) or kind == "request":
            self.write_busy = True
            if len(value) <= link.mtu - 3 and not offset:
                self.client.write_request(self.value_handle, value, self.uuid, finished)
            else:
                self.client.write_long(self.value_handle, value, offset, self.uuid, finished)
            return
        if (kind is not None and kind != "command") or offset or (
                kind is None and not self.properties & PROPERTY_WRITE_WITHOUT_RESPONSE):
            raise errors.BluezError("NotSupported")
        if not self.client.write_command(self.value_handle, value, self.uuid):
            raise errors.failed("Failed to initiate write")
        reply()

    @dbus.service.method(CHARACTERISTIC, in_signature="a{sv}", out_signature="hq")
    def AcquireWrite(self, options):
        self._radio.take_injected_error("AcquireWrite")
        link = self._require_link()
        if self.write_io is not None:
            raise errors.BluezError("NotPermitted", "Write acquired")
        if not self.properties & PROPERTY_WRITE_WITHOUT_RESPONSE:
            raise errors.BluezError("NotSupported")
        ours, theirs = _socket_pair()
        self.write_io = DatagramSocket(ours, on_datagram=self._write_from_socket, on_hangup=self._write_io_closed)
        self.set(CHARACTERISTIC, "WriteAcquired", dbus.Boolean(True))
        return _hand_over(theirs), dbus.UInt16(link.mtu)

    def _write_from_socket(self, data):
        if self.client.link is not None:
            self.client.write_command(self.value_handle, data, self.uuid)

    def _write_io_closed(self):
        self.write_io = None
        self.set(CHARACTERISTIC, "WriteAcquired", dbus.Boolean(False))

    @dbus.service.method(CHARACTERISTIC, in_signature="a{sv}", out_signature="hq", sender_keyword="sender",
                         async_callbacks=("reply", "error"))
    def AcquireNotify(self, options, sender, reply, error):
        self._radio.take_injected_error("AcquireNotify")
        self._require_link()
        if self.notify_io is not None:
            raise errors.BluezError("NotPermitted", "Notify acquired")
        if self.notify_sessions:
            raise errors.BluezError("InProgress")
        if not self.properties & PROPERTY_NOTIFY:
            raise errors.BluezError("NotSupported")
        session = self._open_session(sender, acquired=True)

        def registered(code):
            if code or self.client.link is None:
                self._close_session(sender)
                error(errors.error_from_att_code(code) if code else errors.not_connected())
                return
            ours, theirs = _socket_pair()
            self.notify_io = DatagramSocket(ours, on_hangup=lambda: self._close_session(sender))
            session.registered = True
            self.set(CHARACTERISTIC, "NotifyAcquired", dbus.Boolean(True))
            reply(_hand_over(theirs), dbus.UInt16(self.client.link.mtu))

        self._subscribe(registered)

    @dbus.service.method(CHARACTERISTIC, sender_keyword="sender", async_callbacks=("reply", "error"))
    def StartNotify(self, sender, reply, error):
        self._radio.take_injected_error("StartNotify")
        if self.notify_io is not None:
            raise errors.BluezError("NotPermitted", "Notify acquired")
        if not self.properties & (PROPERTY_NOTIFY | PROPERTY_INDICATE):
            raise errors.BluezError("NotSupported")
        existing = self.notify_sessions.get(sender)
        if existing is not None:
            if existing.registered:
                reply()
                return
            raise errors.BluezError("InProgress")
        session = self._open_session(sender, acquired=False)
        if self.client.link is None:
            reply()
            return

        def registered(code):
            if code:
                self._close_session(sender)
                error(errors.error_from_att_code(code))
                return
            session.registered = True
            self.set(CHARACTERISTIC, "Notifying", dbus.Boolean(True))
            reply()

        self._subscribe(registered)

    @dbus.service.method(CHARACTERISTIC, sender_keyword="sender")
    def StopNotify(self, sender):
        self._radio.take_injected_error("StopNotify")
        if self.notify_io is not None:
            self._close_session(next(iter(self.notify_sessions)))
            return
        if sender not in self.notify_sessions:
            raise errors.failed("No notify session started")
        self._close_session(sender)

    def _open_session(self, sender, acquired):
        session = _NotifySession(acquired)
        session.cancel_watch = self.connection.watch_name_owner(
            sender, lambda owner: None if owner else self._close_session(sender)).cancel
        self.notify_sessions[sender] = session
        return session

    def _close_session(self, sender):
        session = self.notify_sessions.pop(sender, None)
        if session is None:
            return
        session.cancel_watch()
        if session.acquired and self.notify_io is not None:
            io, self.notify_io = self.notify_io, None
            io.close()
            self.set(CHARACTERISTIC, "NotifyAcquired", dbus.Boolean(False))
        if not any(item.registered for item in self.notify_sessions.values()) and self.has(CHARACTERISTIC, "Notifying"):
            self.set(CHARACTERISTIC, "Notifying", dbus.Boolean(False))
        if not self.notify_sessions and self.subscribed and self.client.link is not None:
            self.subscribed = False
            self.client.write_ccc(self, False, lambda _code: None)

    def _subscribe(self, done):
        """The first session on a link writes the CCC; later ones ride on it."""
        if self.subscribed:
            done(0)
            return
        self.subscribed = True

        def written(code):
            if code:
                self.subscribed = False
            done(code)

        self.client.write_ccc(self, True, written)

    def resubscribe(self):
        """On (re)connection, sessions started meanwhile or before the disconnect are registered again."""
        waiting = [sender for sender, session in self.notify_sessions.items() if not session.acquired]
        if not waiting or self.subscribed:
            return

        def registered(code):
            if code:
                return
            for sender in waiting:
                if sender in self.notify_sessions:
                    self.notify_sessions[sender].registered = True
            self.set(CHARACTERISTIC, "Notifying", dbus.Boolean(True))

        self._subscribe(registered)

    def notified(self, value):
        if self.notify_io is not None:
            self.notify_io.send(value)
        elif self.notify_sessions:
            self.set(CHARACTERISTIC, "Value", byte_array(value), always_emit=True)

    def link_lost(self):
        """Disconnect: acquired sockets hang up (WriteAcquired/NotifyAcquired false), Notifying false,
        pending operations fail, StartNotify sessions wait for the next connection."""
        self.subscribed = False
        if self.write_io is not None:
            io, self.write_io = self.write_io, None
            io.close()
            self.set(CHARACTERISTIC, "WriteAcquired", dbus.Boolean(False))
        acquired = [sender for sender, session in self.notify_sessions.items() if session.acquired]
        for sender in acquired:
            self._close_session(sender)
        for session in self.notify_sessions.values():
            session.registered = False
        if self.has(CHARACTERISTIC, "Notifying"):
            self.set(CHARACTERISTIC, "Notifying", dbus.Boolean(False))
        operation, self.read_operation = self.read_operation, None
        if operation is not None:
            for _, waiter_error in operation.waiters:
                waiter_error(errors.not_connected())
        self.write_busy = False
        self.drop(CHARACTERISTIC, "MTU")

    def forget(self):
        for sender in list(self.notify_sessions):
            self._close_session(sender)
        if self.write_io is not None:
            self.write_io.close()
            self.write_io = None


class _NotifySession:
    def __init__(self, acquired):
        self.acquired = acquired
        self.registered = False
        self.cancel_watch = None


class RemoteDescriptor(ExportedObject):
    def __init__(self, client, path, handle, uuid, characteristic_path):
        self.client = client
        self.handle = handle
        self.uuid = uuid
        self.read_operation = None
        self.write_busy = False
        super().__init__(client.registry, path, {DESCRIPTOR: {
            "UUID": dbus.String(uuid),
            "Characteristic": dbus.ObjectPath(characteristic_path),
        }})

    def forget(self):
        pass

    @dbus.service.method(DESCRIPTOR, in_signature="a{sv}", out_signature="ay", async_callbacks=("reply", "error"))
    def ReadValue(self, options, reply, error):
        if self.client.link is None:
            raise errors.not_connected()
        offset, _ = _parse_options(options, allow_type=False)
        if self.read_operation is not None:
            raise errors.BluezError("InProgress")
        self.read_operation = offset

        def done(code, value):
            self.read_operation = None
            if code:
                error(errors.error_from_att_code(code))
                return
            self.set(DESCRIPTOR, "Value", byte_array(value), always_emit=True)
            reply(byte_array(value))

        self.client.read_long(self.handle, offset, self.uuid, done)

    @dbus.service.method(DESCRIPTOR, in_signature="aya{sv}", async_callbacks=("reply", "error"))
    def WriteValue(self, value, options, reply, error):
        if self.client.link is None:
            raise errors.not_connected()
        if self.write_busy:
            raise errors.BluezError("InProgress")
        offset, _ = _parse_options(options, allow_type=False)
        if self.uuid == uuids.GATT_CCC:
            raise errors.BluezError("NotPermitted", "Write not permitted")
        value = bytes(value)
        self.write_busy = True

        def finished(code):
            self.write_busy = False
            if code:
                error(errors.error_from_att_code(code))
            else:
                reply()

        if len(value) <= self.client.link.mtu - 3 and not offset:
            self.client.write_request(self.handle, value, self.uuid, finished)
        else:
            self.client.write_long(self.handle, value, offset, self.uuid, finished)


def _socket_pair():
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)


def _hand_over(sock):
    """A UnixFd for the reply (it duplicates the descriptor), then our copy is closed."""
    handed = dbus.types.UnixFd(sock.fileno())
    sock.close()
    return handed
