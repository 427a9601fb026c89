import BlueZ
import CardCrypto
import DBus
import Pairing

/// The card's LE advertisement (docs/pairing-protocol.md, "Private advertising"): connectable, carrying as
/// service data under the pivlink service UUID either the pairing marker (`01`, while the pairing window is open)
/// or the private token of one pairing for the current slot, never anything static. The card takes turns: each
/// second the next of its pairings' tokens, the marker among them while the window is open; with no pairing and
/// no window, nothing at all.
enum CardAdvertisement {
    static let path: DBusObjectPath = "/org/pivlink/advertisement"
    /// How long each turn lasts.
    static let turn = Duration.seconds(1)
    /// The pairing-mode marker: exactly one byte, so it never reads as a 10-byte token.
    static let pairingMarker: [UInt8] = [0x01]

    /// What is advertised in turn `turn` (any counter): nil when there is nothing to advertise.
    static func serviceData(
        turn: Int, slot: AdvertisingSlot, identity: X25519KeyPair, stations: [PairingRecord], pairingOpen: Bool
    ) -> [UInt8]? {
        let count = stations.count + (pairingOpen ? 1 : 0)
        guard count > 0 else { return nil }
        let index = turn % count
        guard index < stations.count else { return pairingMarker }
        return AdvertisingTokenKey(role: .card, staticKey: identity, peerKey: stations[index].publicKey)
            .token(for: slot).bytes
    }

    /// The advertisement carrying `serviceData`; the service UUID is in the service data only, which keeps the
    /// whole within the 31 bytes of a legacy advertisement (`PrivateAdvertisement`).
    static func content(serviceData: [UInt8]) -> LEAdvertisement.Content {
        LEAdvertisement.Content(type: "peripheral", serviceData: [CardGATTApplication.service: serviceData])
    }
}
