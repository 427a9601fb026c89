@testable import CardDaemon
import CardCrypto
import Pairing
import PivlinkTesting
import Testing

/// What the card advertises in each turn: the pairings' private tokens in turn, the pairing marker among them
/// while the window is open, nothing static, nothing at all with neither.
struct CardAdvertisementTests {
    let identity = X25519KeyPair.generate(random: SeededRandom(seed: "card"))
    let slot = AdvertisingSlot(unixTime: 1_800_000_000)

    private func stations(_ count: Int) throws -> [PairingRecord] {
        try (0..<count).map { try TestStation.record("station \($0)", seed: "station \($0)") }
    }

    @Test func noPairingAndNoWindowAdvertiseNothing() {
        #expect(CardAdvertisement.serviceData(turn: 0, slot: slot, identity: identity, stations: [], pairingOpen: false) == nil)
    }

    @Test func anOpenWindowAloneAdvertisesTheMarker() {
        for turn in 0..<3 {
            #expect(CardAdvertisement.serviceData(turn: turn, slot: slot, identity: identity, stations: [], pairingOpen: true) == [0x01])
        }
    }

    @Test func eachPairingsTokenTakesItsTurnAndOnlyItsStationRecognisesIt() throws {
        let records = try stations(2)
        let turns = (0..<4).map {
            CardAdvertisement.serviceData(turn: $0, slot: slot, identity: identity, stations: records, pairingOpen: true)
        }
        #expect(turns[2] == [0x01])
        #expect(turns[0] != turns[1])
        #expect(turns[3] == turns[0])
        for (index, record) in records.enumerated() {
            let stationKey = X25519KeyPair.generate(random: SeededRandom(seed: "station \(index)"))
            #expect(stationKey.publicKey == record.publicKey.bytes)
            let cardKey = try PairingPublicKey(bytes: identity.publicKey)
            let expected = AdvertisingTokenKey(role: .station, staticKey: stationKey, peerKey: cardKey).token(for: slot)
            #expect(turns[index] == expected.bytes)
        }
    }

    @Test func tokensChangeWithTheSlotAndFitALegacyAdvertisement() throws {
        let records = try stations(1)
        let now = try #require(CardAdvertisement.serviceData(turn: 0, slot: slot, identity: identity, stations: records, pairingOpen: false))
        let next = CardAdvertisement.serviceData(
            turn: 0, slot: AdvertisingSlot(index: slot.index + 1), identity: identity, stations: records, pairingOpen: false)
        #expect(now != next)
        let token = try AdvertisingToken(bytes: now)
        #expect(PrivateAdvertisement.advertisingData(token).count <= PrivateAdvertisement.maximumLength)
        let content = CardAdvertisement.content(serviceData: now)
        #expect(content.localName == nil && content.serviceUUIDs.isEmpty, "nothing static")
    }
}
