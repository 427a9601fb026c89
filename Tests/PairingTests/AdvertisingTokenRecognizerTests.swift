import CardCrypto
import Pairing
import PivlinkTesting
import Testing

@Suite struct AdvertisingTokenRecognizerTests {
    static let now = AdvertisingSlot(index: 2_993_256)
    static let pairings = try! PairingList([
        PairingListTests.otherCard, PairingListTests.card,
        PairingListTests.record(X25519KeyPair.generate(random: SeededRandom(seed: "third card")), "third"),
    ])
    static let recognizer = AdvertisingTokenRecognizer(stationKey: TestKeys.station, pairings: pairings)
    static let card = AdvertisingTokenKey(role: .card, staticKey: TestKeys.card, peerKey: TestKeys.publicKey(TestKeys.station))

    @Test func findsThePairedCardWithinOneSlotOfSkew() {
        for offset in [-1, 0, 1] {
            let cardSlot = AdvertisingSlot(index: UInt64(Int(Self.now.index) + offset))
            let match = Self.recognizer.recognize(Self.card.token(for: cardSlot), at: Self.now)
            #expect(match?.card == TestKeys.publicKey(TestKeys.card))
            #expect(match?.slotOffset == offset)
        }
    }

    @Test func aCardTwoSlotsAwayIsNotRecognized() {
        for offset in [-3, -2, 2, 3] {
            let cardSlot = AdvertisingSlot(index: UInt64(Int(Self.now.index) + offset))
            #expect(Self.recognizer.recognize(Self.card.token(for: cardSlot), at: Self.now) == nil)
        }
    }

    @Test func theSameCardPairedWithAnotherStationIsNotRecognized() {
        let elsewhere = AdvertisingTokenKey(role: .card, staticKey: TestKeys.card, peerKey: TestKeys.publicKey(TestKeys.otherStation))
        #expect(Self.recognizer.recognize(elsewhere.token(for: Self.now), at: Self.now) == nil)
    }

    @Test func aTokenOffByOneBitAnywhereIsNotRecognized() throws {
        let token = Self.card.token(for: Self.now)
        for index in token.bytes.indices {
            var bytes = token.bytes
            bytes[index] ^= 0x01
            #expect(Self.recognizer.recognize(try AdvertisingToken(bytes: bytes), at: Self.now) == nil)
        }
    }

    @Test func recognizesAtTheEndsOfTheSlotNumbering() {
        let first = AdvertisingSlot(index: 0)
        #expect(Self.recognizer.recognize(Self.card.token(for: first), at: first)?.slotOffset == 0)
        #expect(Self.recognizer.recognize(Self.card.token(for: AdvertisingSlot(index: 1)), at: first)?.slotOffset == 1)
        let last = AdvertisingSlot(index: .max)
        #expect(Self.recognizer.recognize(Self.card.token(for: last), at: last)?.slotOffset == 0)
        #expect(Self.recognizer.recognize(Self.card.token(for: AdvertisingSlot(index: .max - 1)), at: last)?.slotOffset == -1)
    }

    @Test func anEmptyListRecognizesNothing() {
        let lonely = AdvertisingTokenRecognizer(stationKey: TestKeys.station, pairings: PairingList())
        #expect(lonely.recognize(Self.card.token(for: Self.now), at: Self.now) == nil)
    }
}
