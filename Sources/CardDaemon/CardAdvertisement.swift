import BlueZ
import DBus

/// The card's LE advertisement: connectable, carrying the pivlink service UUID so that a station's discovery
/// filter finds it. Flags (3 bytes) and the 128-bit UUID (18 bytes) take 21 of the 31 legacy advertising
/// bytes; BlueZ puts the local name in the scan response.
enum CardAdvertisement {
    static let path: DBusObjectPath = "/org/pivlink/advertisement"
    static let localName = "pivlink"

    static var content: LEAdvertisement.Content {
        LEAdvertisement.Content(type: "peripheral", serviceUUIDs: [CardGATTApplication.service], localName: localName)
    }
}
