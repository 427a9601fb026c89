import CardCrypto
import Pairing
import PivlinkTesting
import Testing

@Suite struct AdvertisingTokenKeyTests {
    static let stationSide = AdvertisingTokenKey(role: .station, staticKey: TestKeys.station, peerKey: TestKeys.publicKey(TestKeys.card))
    static let cardSide = AdvertisingTokenKey(role: .card, staticKey: TestKeys.card, peerKey: TestKeys.publicKey(TestKeys.station))

    @Test func tokensAreTheDocumentedHMACOfTheSlot() {
        // HKDF and HMAC computed with Python's cryptography and hmac from RFC 7748's keys.
        #expect(Self.cardSide.token(for: AdvertisingSlot(index: 0)).bytes == hex("61ffdd2a584f01c7bdcd"))
        #expect(Self.cardSide.token(for: AdvertisingSlot(index: 1)).bytes == hex("eb11bed43485d6d6843b"))
        #expect(Self.cardSide.token(for: AdvertisingSlot(index: 2_950_000)).bytes == hex("271594bd829d79a2fd7a"))
    }

    @Test func bothSidesDeriveTheSameTokens() {
        for index in [0, 1, 2_993_256, UInt64.max] as [UInt64] {
            let slot = AdvertisingSlot(index: index)
            #expect(Self.stationSide.token(for: slot) == Self.cardSide.token(for: slot))
        }
    }

    @Test func whatOtherScannersSeeChangesEverySlot() {
        let tokens = (2_993_256..<2_993_256 + 144).map { Self.cardSide.token(for: AdvertisingSlot(index: $0)) }
        #expect(Set(tokens).count == tokens.count, "a day of slots, no token twice")
        for (earlier, later) in zip(tokens, tokens.dropFirst()) {
            #expect(earlier != later)
            #expect(zip(earlier.bytes, later.bytes).filter { $0 != $1 }.count >= 5, "\(earlier) → \(later) share too much")
        }
    }

    @Test func differentPairingsGiveDifferentTokens() {
        let slot = AdvertisingSlot(index: 2_993_256)
        // One card paired with two stations, and one station paired with two cards.
        let cardWithOtherStation = AdvertisingTokenKey(role: .card, staticKey: TestKeys.card, peerKey: TestKeys.publicKey(TestKeys.otherStation))
        let stationWithOtherCard = AdvertisingTokenKey(role: .station, staticKey: TestKeys.station, peerKey: TestKeys.publicKey(TestKeys.otherCard))
        let tokens = [Self.cardSide, cardWithOtherStation, stationWithOtherCard].map { $0.token(for: slot) }
        #expect(Set(tokens).count == 3)
    }

    @Test func theRolesAreNotInterchangeable() {
        // Each side names the other's key as the peer; a side that got its role wrong derives another key.
        let confused = AdvertisingTokenKey(role: .station, staticKey: TestKeys.card, peerKey: TestKeys.publicKey(TestKeys.station))
        #expect(confused.token(for: AdvertisingSlot(index: 0)) != Self.cardSide.token(for: AdvertisingSlot(index: 0)))
    }
}
