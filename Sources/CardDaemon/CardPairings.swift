import CardCrypto
import Pairing

/// The card's side of pairing: its own static identity and the stations paired with it. It lives in the card's
/// encrypted credential, beside the PIV state (`CardStateDocument`), so both are written together and neither
/// can be lost while saving the other.
public struct CardPairings: Sendable, Equatable, Codable {
    /// The card's static key; its private key is secret.
    public let identity: PairingIdentity
    /// The stations that may open a secure channel to this card.
    public private(set) var stations: PairingList

    public init(identity: PairingIdentity, stations: PairingList = PairingList()) {
        self.identity = identity
        self.stations = stations
    }

    /// A new identity from `random`, with no station paired yet.
    public static func generate(random: some RandomSource) -> CardPairings {
        CardPairings(identity: .generate(random: random))
    }

    /// The card's static public key, which stations pair with.
    public var publicKey: PairingPublicKey { identity.publicKey }
    /// The card's own fingerprint, as `pivlink-card status` and the stations show it.
    public var fingerprint: PairingFingerprint { identity.fingerprint }

    /// Refuses a station whose key or fingerprint is already paired, and a 65th station.
    public mutating func addStation(_ record: PairingRecord) throws(CardDaemonError) {
        do {
            try stations.add(record)
        } catch {
            throw CardDaemonError(refusal: error)
        }
    }

    /// Removes and returns the station with this fingerprint; `.notPaired` when there is none.
    @discardableResult
    public mutating func removeStation(fingerprint: PairingFingerprint) throws(CardDaemonError) -> PairingRecord {
        do {
            return try stations.remove(fingerprint: fingerprint)
        } catch {
            throw CardDaemonError(refusal: error)
        }
    }
}
