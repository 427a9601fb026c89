"""Advertisements as BlueZ 5.66 reads them (src/advertising.c) and as the radio carries them (AD bytes).

`Advertisement.from_properties` is the property parsing of RegisterAdvertisement; `encode` builds the
legacy advertising data and scan response the kernel would send; `parse_reports` is eir_parse() on the
scanning side, so the central learns only what the bytes on the air say.
"""

from dataclasses import dataclass, field

from . import uuids

LEGACY_DATA_LENGTH = 31

AD_FLAGS = 0x01
AD_UUID16_ALL = 0x03
AD_UUID32_ALL = 0x05
AD_UUID128_ALL = 0x07
AD_NAME_SHORT = 0x08
AD_NAME_COMPLETE = 0x09
AD_TX_POWER = 0x0A
AD_SOLICIT16 = 0x14
AD_SOLICIT128 = 0x15
AD_SERVICE_DATA16 = 0x16
AD_APPEARANCE = 0x19
AD_SOLICIT32 = 0x1F
AD_SERVICE_DATA32 = 0x20
AD_SERVICE_DATA128 = 0x21
AD_MANUFACTURER = 0xFF

FLAG_LIMITED_DISCOVERABLE = 0x01
FLAG_GENERAL_DISCOVERABLE = 0x02
FLAG_NO_BREDR = 0x04

_UUID_LIST_TYPES = {2: AD_UUID16_ALL, 4: AD_UUID32_ALL, 16: AD_UUID128_ALL}
_SOLICIT_TYPES = {2: AD_SOLICIT16, 4: AD_SOLICIT32, 16: AD_SOLICIT128}
_SERVICE_DATA_TYPES = {2: AD_SERVICE_DATA16, 4: AD_SERVICE_DATA32, 16: AD_SERVICE_DATA128}
# The Includes values BlueZ 5.66 supports on a kernel with extended advertising flags.
SUPPORTED_INCLUDES = ("tx-power", "appearance", "local-name")


class AdvertisementError(Exception):
    """The advertisement cannot be published; BlueZ answers Failed "Failed to parse advertisement."."""


@dataclass
class Advertisement:
    """What one registered LEAdvertisement1 puts on the air."""

    kind: str = "broadcast"
    service_uuids: list = field(default_factory=list)
    solicit_uuids: list = field(default_factory=list)
    manufacturer_data: dict = field(default_factory=dict)
    service_data: dict = field(default_factory=dict)
    includes: set = field(default_factory=set)
    local_name: str = None
    appearance: int = None
    data: dict = field(default_factory=dict)
    discoverable: bool = False
    tx_power: int = 0
    timeout: int = 0

    @property
    def connectable(self):
        return self.kind == "peripheral"

    @classmethod
    def from_properties(cls, properties):
        """Parses LEAdvertisement1 properties (python-dbus values) as parse_advertisement() does."""
        advertisement = cls()
        try:
            for name, value in properties.items():
                advertisement.update(name, value)
        except (TypeError, ValueError, KeyError) as error:
            raise AdvertisementError("bad property: %s" % error) from error
        return advertisement

    def update(self, name, value):
        """Applies one property; unknown names are ignored, as BlueZ ignores properties it has no parser for."""
        if name == "Type":
            if value not in ("broadcast", "peripheral"):
                raise ValueError("Type %r" % value)
            self.kind = str(value)
        elif name == "ServiceUUIDs":
            self.service_uuids = [uuids.normalize(text) for text in value]
        elif name == "SolicitUUIDs":
            self.solicit_uuids = [uuids.normalize(text) for text in value]
        elif name == "ManufacturerData":
            self.manufacturer_data = {int(key): bytes(item) for key, item in value.items()}
        elif name == "ServiceData":
            self.service_data = {uuids.normalize(key): bytes(item) for key, item in value.items()}
        elif name == "Includes":
            self.includes = {str(text) for text in value if text in SUPPORTED_INCLUDES}
        elif name == "LocalName":
            if "local-name" in self.includes:
                raise ValueError("Local name already included")
            self.local_name = str(value) or None
        elif name == "Appearance":
            self.appearance = int(value)
        elif name == "Data":
            self.data = {int(key): bytes(item) for key, item in value.items()}
        elif name == "Discoverable":
            self.discoverable = bool(value)
        elif name == "TxPower":
            self.tx_power = int(value)
        elif name == "Timeout":
            self.timeout = int(value)

    def encode(self, adapter_name, adapter_discoverable):
        """(advertising data, scan response) bytes; raises AdvertisementError when they do not fit 31 B.

        The kernel adds a Flags field (LE-only controller: "BR/EDR not supported", plus general
        discoverable when the advertisement or a discoverable adapter asks for it). The local name goes in
        the scan response, shortened to fit.
        """
        flags = FLAG_NO_BREDR
        if self.discoverable or (self.connectable and adapter_discoverable):
            flags |= FLAG_GENERAL_DISCOVERABLE
        fields = [(AD_FLAGS, bytes([flags]))]
        fields += _uuid_fields(self.service_uuids, _UUID_LIST_TYPES)
        fields += _uuid_fields(self.solicit_uuids, _SOLICIT_TYPES)
        for company, payload in sorted(self.manufacturer_data.items()):
            fields.append((AD_MANUFACTURER, company.to_bytes(2, "little") + payload))
        for service, payload in self.service_data.items():
            fields.append((_SERVICE_DATA_TYPES[uuids.short_size(service)], uuids.to_ad_bytes(service) + payload))
        if self.appearance is not None or "appearance" in self.includes:
            fields.append((AD_APPEARANCE, (self.appearance or 0).to_bytes(2, "little")))
        if "tx-power" in self.includes:
            fields.append((AD_TX_POWER, (self.tx_power & 0xFF).to_bytes(1, "little")))
        for ad_type, payload in sorted(self.data.items()):
            fields.append((ad_type, payload))
        advertising_data = _serialize(fields)
        if len(advertising_data) > LEGACY_DATA_LENGTH:
            raise AdvertisementError(
                "advertising data is %d bytes, legacy advertising carries %d"
                % (len(advertising_data), LEGACY_DATA_LENGTH)
            )
        name = self.local_name or (adapter_name if "local-name" in self.includes else None)
        scan_response = b""
        if name:
            encoded = name.encode("utf-8")
            room = LEGACY_DATA_LENGTH - 2
            name_type = AD_NAME_COMPLETE if len(encoded) <= room else AD_NAME_SHORT
            scan_response = _serialize([(name_type, encoded[:room])])
        return advertising_data, scan_response


def _uuid_fields(uuid_list, types):
    fields = []
    for size in (2, 4, 16):
        chosen = [item for item in uuid_list if uuids.short_size(item) == size]
        if chosen:
            fields.append((types[size], b"".join(uuids.to_ad_bytes(item) for item in chosen)))
    return fields


def _serialize(fields):
    return b"".join(bytes([len(payload) + 1, ad_type]) + payload for ad_type, payload in fields)


@dataclass
class Report:
    """What eir_parse() finds in an advertising report (advertising data and scan response together)."""

    flags: int = 0
    services: list = field(default_factory=list)
    name: str = None
    name_complete: bool = False
    tx_power: int = None
    appearance: int = None
    manufacturer_data: dict = field(default_factory=dict)
    service_data: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)

    @property
    def discoverable(self):
        return bool(self.flags & (FLAG_GENERAL_DISCOVERABLE | FLAG_LIMITED_DISCOVERABLE))


def parse_report(raw):
    """eir_parse(): AD structures to a Report; a malformed tail is ignored as BlueZ ignores it."""
    report = Report()
    index = 0
    while index < len(raw):
        length = raw[index]
        if length == 0 or index + 1 + length > len(raw):
            break
        ad_type, payload = raw[index + 1], bytes(raw[index + 2 : index + 1 + length])
        index += 1 + length
        if ad_type == AD_FLAGS and payload:
            report.flags = payload[0]
        elif ad_type in (AD_UUID16_ALL, AD_UUID16_ALL - 1, AD_UUID32_ALL, AD_UUID32_ALL - 1,
                         AD_UUID128_ALL, AD_UUID128_ALL - 1):
            size = {AD_UUID16_ALL: 2, AD_UUID32_ALL: 4, AD_UUID128_ALL: 16}[ad_type | 1]
            report.services += [uuids.from_ad_bytes(payload[at : at + size])
                                for at in range(0, len(payload) - size + 1, size)]
        elif ad_type in (AD_NAME_SHORT, AD_NAME_COMPLETE):
            report.name = payload.decode("utf-8", "replace")
            report.name_complete = ad_type == AD_NAME_COMPLETE
        elif ad_type == AD_TX_POWER and payload:
            report.tx_power = int.from_bytes(payload[:1], "little", signed=True)
        elif ad_type == AD_APPEARANCE and len(payload) >= 2:
            report.appearance = int.from_bytes(payload[:2], "little")
        elif ad_type == AD_MANUFACTURER and len(payload) >= 2:
            report.manufacturer_data[int.from_bytes(payload[:2], "little")] = payload[2:]
        elif ad_type in (AD_SERVICE_DATA16, AD_SERVICE_DATA32, AD_SERVICE_DATA128):
            size = {AD_SERVICE_DATA16: 2, AD_SERVICE_DATA32: 4, AD_SERVICE_DATA128: 16}[ad_type]
            if len(payload) >= size:
                report.service_data[uuids.from_ad_bytes(payload[:size])] = payload[size:]
        else:
            report.data[ad_type] = payload
    return report
