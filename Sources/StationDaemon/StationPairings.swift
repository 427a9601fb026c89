import CardCrypto
import CardDaemon
import Pairing

/// The station's side of pairing: its own static identity and the cards paired with it. Kept encrypted in the
/// station's pairing store (`StationPairingStore`).
public struct StationPairings: Sendable, Equatable, Codable {
    /// The station's static key; its private key is secret.
    public let identity: PairingIdentity
    /// The cards this station may open a secure channel to.
    public private(set) var cards: PairingList

    public init(identity: PairingIdentity, cards: PairingList = PairingList()) {
        self.identity = identity
        self.cards = cards
    }

    /// A new identity from `random`, with no card paired yet.
    public static func generate(random: some RandomSource) -> StationPairings {
        StationPairings(identity: .generate(random: random))
    }

    /// The station's static public key, which cards pair with.
    public var publicKey: PairingPublicKey { identity.publicKey }
    /// The station's own fingerprint, as `pivlink status` and the cards show it.
    public var fingerprint: PairingFingerprint { identity.fingerprint }

    /// Refuses a card whose key or fingerprint is already paired, and a 65th card.
    public mutating func addCard(_ record: PairingRecord) throws(StationDaemonError) {
        do {
            try cards.add(record)
        } catch {
            throw StationDaemonError(refusal: error)
        }
    }

    /// Removes and returns the card with this fingerprint; `.notPaired` when there is none.
    @discardableResult
    public mutating func removeCard(fingerprint: PairingFingerprint) throws(StationDaemonError) -> PairingRecord {
        do {
            return try cards.remove(fingerprint: fingerprint)
        } catch {
            throw StationDaemonError(refusal: error)
        }
    }
}
