/// The card's advertisement, byte for byte: the flags and one Service Data AD structure carrying the pivlink
/// service UUID and the slot's token, 31 bytes, the whole of a legacy advertisement (docs/pairing-protocol.md,
/// "Private advertising").
///
/// The card registers the token as LEAdvertisement1's `ServiceData` under `serviceUUID`, and bluetoothd adds the
/// flags; a station reads it back from Device1's `ServiceData` for that UUID (`AdvertisingToken(bytes:)`). This
/// type builds and reads the bytes on the air, for the emulator and to hold the layout to its 31 bytes.
public enum PrivateAdvertisement {
    /// The pivlink GATT service (docs/link-protocol.md).
    public static let serviceUUID = "898a0001-6249-4f6c-b878-318bb3580b9c"
    /// The legacy advertising data limit (Core 5.4 Vol 6 Part B §2.3.1.1).
    public static let maximumLength = 31

    static let flagsType: UInt8 = 0x01
    /// LE General Discoverable Mode | BR/EDR Not Supported.
    static let flags: UInt8 = 0x06
    static let serviceData128Type: UInt8 = 0x21
    /// `serviceUUID` as AD structures carry it: little-endian.
    static let serviceUUIDBytes: [UInt8] = [
        0x9C, 0x0B, 0x58, 0xB3, 0x8B, 0x31, 0x78, 0xB8, 0x6C, 0x4F, 0x49, 0x62, 0x01, 0x00, 0x8A, 0x89,
    ]

    /// The 31 bytes of advertising data for `token`.
    public static func advertisingData(_ token: AdvertisingToken) -> [UInt8] {
        let flagsStructure: [UInt8] = [2, flagsType, flags]
        let serviceData = [serviceData128Type] + serviceUUIDBytes + token.bytes
        return flagsStructure + [UInt8(serviceData.count)] + serviceData
    }

    /// The pivlink token in any device's advertising data; nil when it carries no pivlink service data.
    /// Data over 31 bytes, an AD structure running past the end, or pivlink service data that is not exactly one
    /// 10-byte token is `.invalidAdvertisement`.
    public static func token(inAdvertisingData data: [UInt8]) throws(PairingError) -> AdvertisingToken? {
        guard data.count <= maximumLength else {
            throw PairingError(.invalidAdvertisement, "legacy advertising data has at most \(maximumLength) bytes, got \(data.count)")
        }
        var token: AdvertisingToken?
        var offset = 0
        // A zero length ends the data early (Core 5.4 Vol 3 Part C §11).
        while offset < data.count, data[offset] != 0 {
            let length = Int(data[offset])
            guard offset + 1 + length <= data.count else {
                throw PairingError(.invalidAdvertisement, "an AD structure at byte \(offset) runs past the end of the data")
            }
            let structure = data[(offset + 1)...(offset + length)]
            if structure.first == serviceData128Type, structure.dropFirst().starts(with: serviceUUIDBytes) {
                guard token == nil else {
                    throw PairingError(.invalidAdvertisement, "the advertisement carries pivlink service data twice")
                }
                token = try AdvertisingToken(bytes: Array(structure.dropFirst(1 + serviceUUIDBytes.count)))
            }
            offset += 1 + length
        }
        return token
    }
}
