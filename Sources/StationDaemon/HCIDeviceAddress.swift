import DBus

/// Where the kernel keeps a BlueZ device's connection: the adapter's HCI index and the device's address, read from
/// the device's object path (`/org/bluez/hci1/dev_00_AA_01_00_00_00`; bluetoothd names adapters by their kernel
/// index and devices by their address). Pure.
struct HCIDeviceAddress: Hashable, Sendable, CustomStringConvertible {
    /// The adapter's index, as in `hci1`.
    let adapterIndex: UInt16
    /// The address in the kernel's `bdaddr_t` order: least significant byte first (00:AA:01:00:00:00 is
    /// `[0x00, 0x00, 0x00, 0x01, 0xAA, 0x00]`).
    let bytes: [UInt8]

    /// Nil unless `device` is a BlueZ device path of the form above; `0xFFFF` is no adapter index (HCI_DEV_NONE).
    init?(device: DBusObjectPath) {
        let elements = device.rawValue.split(separator: "/", omittingEmptySubsequences: false)
        guard elements.count == 5, elements[0].isEmpty, elements[1] == "org", elements[2] == "bluez",
            elements[3].hasPrefix("hci"), elements[4].hasPrefix("dev_")
        else { return nil }
        let index = elements[3].dropFirst(3)
        guard !index.isEmpty, index.allSatisfy(\.isASCII), index.allSatisfy(\.isNumber), index.count <= 5,
            let adapterIndex = UInt16(index), adapterIndex != 0xFFFF
        else { return nil }
        let octets = elements[4].dropFirst(4).split(separator: "_", omittingEmptySubsequences: false)
        guard octets.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets.reversed() {
            guard octet.count == 2, octet.allSatisfy(\.isHexDigit), let byte = UInt8(octet, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.adapterIndex = adapterIndex
        self.bytes = bytes
    }

    /// `00:AA:01:00:00:00 on hci1`.
    var description: String {
        bytes.reversed().map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":") + " on hci\(adapterIndex)"
    }
}
