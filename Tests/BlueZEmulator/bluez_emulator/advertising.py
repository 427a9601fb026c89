"""LEAdvertisingManager1 of one adapter (src/advertising.c, 5.66).

RegisterAdvertisement reads the advertisement with Properties.GetAll on the caller's unique name, builds
its AD bytes and puts it on the air. Like 5.66 it then follows the advertisement's PropertiesChanged
(re-parsing the changed property and refreshing the data if it still fits). It drops the advertisement
without calling Release when the caller leaves the bus or unregisters; Release() is called when the
advertisement's Timeout expires and when the daemon shuts down.
"""

import dataclasses

import dbus
from gi.repository import GLib

from . import errors
from .advertising_data import Advertisement, AdvertisementError, SUPPORTED_INCLUDES
from .bus import string_array

ADVERTISING_MANAGER = "org.bluez.LEAdvertisingManager1"
ADVERTISEMENT = "org.bluez.LEAdvertisement1"
MAX_INSTANCES = 5


class _Registration:
    def __init__(self, owner, path, advertisement, air):
        self.owner = owner
        self.path = path
        self.advertisement = advertisement
        self.air = air
        self.cancels = []


class AdvertisingManager:
    def __init__(self, adapter):
        self.adapter = adapter
        self.connection = adapter.registry.connection
        self.registrations = []
        self._reserved = 0

    def properties(self):
        return {
            "ActiveInstances": dbus.Byte(0),
            "SupportedInstances": dbus.Byte(MAX_INSTANCES),
            "SupportedIncludes": string_array(SUPPORTED_INCLUDES),
            "SupportedSecondaryChannels": string_array([]),
        }

    def on_air(self):
        """(advertising data, scan response, connectable) of every registered advertisement."""
        return [registration.air + (registration.advertisement.connectable,) for registration in self.registrations]

    def register(self, owner, path, on_done, on_error):
        if any(item.owner == owner and item.path == path for item in self.registrations):
            raise errors.BluezError("AlreadyExists")
        if len(self.registrations) + self._reserved >= MAX_INSTANCES:
            raise errors.BluezError("NotPermitted", "Maximum advertisements reached")
        self._reserved += 1

        def received(properties):
            self._reserved -= 1
            try:
                advertisement = Advertisement.from_properties(properties)
                air = self._encode(advertisement)
            except AdvertisementError:
                on_error(errors.failed("Failed to parse advertisement."))
                return
            registration = _Registration(owner, path, advertisement, air)
            self.registrations.append(registration)
            self._watch(registration)
            self._publish_counts()
            on_done()
            self.adapter.advertising_changed()

        def unreadable(_error):
            self._reserved -= 1
            on_error(errors.failed("Failed to register advertisement"))

        self.connection.call_async(owner, path, "org.freedesktop.DBus.Properties", "GetAll", "s", (ADVERTISEMENT,),
                                   received, unreadable, timeout=25.0, byte_arrays=True)

    def _encode(self, advertisement):
        return advertisement.encode(self.adapter.name, self.adapter.discoverable)

    def _watch(self, registration):
        def changed(interface, properties, _invalidated):
            if interface != ADVERTISEMENT:
                return
            updated = dataclasses.replace(registration.advertisement)
            try:
                for name, value in properties.items():
                    updated.update(name, value)
                registration.air = self._encode(updated)
            except (AdvertisementError, TypeError, ValueError, KeyError):
                return
            registration.advertisement = updated
            self.adapter.advertising_changed()

        def owner_changed(new_owner):
            if not new_owner:
                self._remove(registration)

        registration.cancels = [
            self.connection.add_signal_receiver(changed, "PropertiesChanged", "org.freedesktop.DBus.Properties",
                                                registration.owner, registration.path, byte_arrays=True).remove,
            self.connection.watch_name_owner(registration.owner, owner_changed).cancel,
        ]
        if registration.advertisement.timeout:
            source = GLib.timeout_add_seconds(registration.advertisement.timeout, self._expire, registration)
            registration.cancels.append(lambda: GLib.source_remove(source))

    def _expire(self, registration):
        registration.cancels.pop()
        self._release(registration)
        self._remove(registration)
        return False

    def unregister(self, owner, path):
        registration = next((item for item in self.registrations if item.owner == owner and item.path == path), None)
        if registration is None:
            raise errors.BluezError("DoesNotExist")
        self._remove(registration)

    def _remove(self, registration):
        if registration not in self.registrations:
            return
        for cancel in registration.cancels:
            cancel()
        self.registrations.remove(registration)
        self._publish_counts()
        self.adapter.advertising_changed()

    def _release(self, registration):
        self.connection.call_async(registration.owner, registration.path, ADVERTISEMENT, "Release", "", (),
                                   None, None)

    def shutdown(self):
        """Manager destroyed (daemon exit): every advertisement is released."""
        for registration in list(self.registrations):
            self._release(registration)
            self._remove(registration)

    def _publish_counts(self):
        self.adapter.set(ADVERTISING_MANAGER, "SupportedInstances", dbus.Byte(MAX_INSTANCES - len(self.registrations)))
        self.adapter.set(ADVERTISING_MANAGER, "ActiveInstances", dbus.Byte(len(self.registrations)))
