import CardDaemon
import Pairing
import PivlinkTesting
import StoreTesting
import Testing

struct CardPairingsTests {
    @Test func generatedIdentityNamesItsPublicKey() throws {
        let pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        #expect(pairings.publicKey.bytes == pairings.identity.keyPair.publicKey)
        #expect(pairings.fingerprint == PairingFingerprint(of: pairings.publicKey))
        #expect(pairings.stations.records.isEmpty)
        #expect(CardPairings.generate(random: SeededRandom(seed: "other")).publicKey != pairings.publicKey)
    }

    @Test func aStationPairedAgainKeepsOneRecordWithItsNewName() throws {
        var pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        let station = try TestStation.record("desk-42", seed: "station")
        try pairings.addStation(station)
        let again = try PairingRecord(publicKey: station.publicKey, name: "again")

        try pairings.addStation(again)

        #expect(pairings.stations.records == [again])
    }

    @Test func removingAnUnpairedStationIsNotPaired() throws {
        var pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        let stranger = try TestStation.record("stranger", seed: "stranger")
        let error = #expect(throws: CardDaemonError.self) { try pairings.removeStation(fingerprint: stranger.fingerprint) }
        #expect(error?.code == .notPaired)
    }

    @Test func descriptionsNeverShowThePrivateKey() throws {
        let pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        var dumped = ""
        dump(pairings, to: &dumped)
        let texts = [
            String(describing: pairings), String(reflecting: pairings), "\(pairings.identity)",
            String(reflecting: pairings.identity), dumped,
        ]
        for text in texts {
            #expect(text.contains(pairings.fingerprint.description))
            for form in secretForms(of: pairings.identity.keyPair.privateKey) {
                #expect(!text.contains(form))
            }
        }
    }
}
