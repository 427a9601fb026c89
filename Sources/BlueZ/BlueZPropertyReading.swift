import DBus

/// Readers for the property shapes several BlueZ interfaces share.
enum BlueZPropertyReading {
    /// `as` of UUIDs; unparsable entries are skipped.
    static func uuids(_ value: DBusValue?) -> [BluetoothUUID] {
        (value?.strings ?? []).compactMap(BluetoothUUID.init)
    }

    /// `a{sv}` of UUID → `ay` (ServiceData); entries that are not bytes are skipped.
    static func serviceData(_ value: DBusValue?) -> [BluetoothUUID: [UInt8]] {
        var data: [BluetoothUUID: [UInt8]] = [:]
        for entry in value?.dictionaryEntries ?? [] {
            guard let key = entry.key.string.flatMap(BluetoothUUID.init),
                let bytes = (entry.value.variantContent ?? entry.value).bytes
            else { continue }
            data[key] = bytes
        }
        return data
    }

    /// `a{qv}` of company id → `ay` (ManufacturerData); entries that are not bytes are skipped.
    static func manufacturerData(_ value: DBusValue?) -> [UInt16: [UInt8]] {
        var data: [UInt16: [UInt8]] = [:]
        for entry in value?.dictionaryEntries ?? [] {
            guard let key = entry.key.uint16, let bytes = (entry.value.variantContent ?? entry.value).bytes else {
                continue
            }
            data[key] = bytes
        }
        return data
    }
}
