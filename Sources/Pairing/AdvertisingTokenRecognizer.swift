import CardCrypto

/// The station's side of private advertising: which paired card, if any, sent a token.
///
/// Trial verification: every pairing's tokens for the station's slot and its two neighbours are compared with
/// the one heard, all of them each time and each in constant time, so how long an answer takes says nothing
/// about which card matched, or how close a guess came.
public struct AdvertisingTokenRecognizer: Sendable {
    public struct Match: Hashable, Sendable {
        /// The card that advertised the token.
        public let card: PairingPublicKey
        /// Its slot minus the station's: −1, 0 or +1 (the clocks' skew, in slots).
        public let slotOffset: Int
    }

    private let cards: [(card: PairingPublicKey, key: AdvertisingTokenKey)]

    /// A recognizer for the cards of the station's pairing list.
    public init(stationKey: X25519KeyPair, pairings: PairingList) {
        cards = pairings.records.map {
            ($0.publicKey, AdvertisingTokenKey(role: .station, staticKey: stationKey, peerKey: $0.publicKey))
        }
    }

    /// The paired card whose token for `slot`, the slot before or the slot after is `token`; nil for any other.
    public func recognize(_ token: AdvertisingToken, at slot: AdvertisingSlot) -> Match? {
        var match: Match?
        for (card, key) in cards {
            for (candidateSlot, offset) in slot.withNeighbours {
                let equal = ConstantTime.equals(key.token(for: candidateSlot).bytes, token.bytes)
                if equal, match == nil {
                    match = Match(card: card, slotOffset: offset)
                }
            }
        }
        return match
    }
}
