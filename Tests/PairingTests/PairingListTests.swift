import CardCrypto
import Foundation
import Pairing
import PivlinkTesting
import Testing

@Suite struct PairingListTests {
    static func record(_ pair: X25519KeyPair, _ name: String) -> PairingRecord {
        do {
            return try PairingRecord(publicKey: TestKeys.publicKey(pair), name: name)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    static let card = record(TestKeys.card, "phone")
    static let otherCard = record(TestKeys.otherCard, "tablet")

    @Test func holdsSeveralPeersFoundByKeyOrFingerprint() throws {
        var list = PairingList()
        try list.add(Self.card)
        try list.add(Self.otherCard)
        #expect(list.records == [Self.card, Self.otherCard])
        #expect(list.record(forPublicKey: Self.otherCard.publicKey) == Self.otherCard)
        #expect(list.record(forFingerprint: try PairingFingerprint(parsing: "bfc2-0eaf-5d25-00f1")) == Self.card)
        #expect(list.record(forPublicKey: TestKeys.publicKey(TestKeys.station)) == nil)
    }

    @Test func removesByFingerprintOrKey() throws {
        var list = try PairingList([Self.card, Self.otherCard])
        #expect(try list.remove(fingerprint: Self.card.fingerprint) == Self.card)
        #expect(list.records == [Self.otherCard])
        #expect(thrownCode { try list.remove(fingerprint: Self.card.fingerprint) } == .notPaired)
        #expect(try list.remove(publicKey: Self.otherCard.publicKey) == Self.otherCard)
        #expect(list.records.isEmpty)
        #expect(thrownCode { try list.remove(publicKey: Self.otherCard.publicKey) } == .notPaired)
    }

    @Test func aKeyPairedAgainKeepsOneRecordWithItsNewName() throws {
        var list = try PairingList([Self.card, Self.otherCard])
        let renamed = Self.record(TestKeys.card, "same key, new name")
        try list.add(renamed)
        #expect(list.records == [renamed, Self.otherCard])
    }

    @Test func holdsAtMostItsMaximum() throws {
        var list = PairingList()
        for index in 0..<PairingList.maximumCount {
            try list.add(Self.record(X25519KeyPair.generate(random: SeededRandom(seed: "card \(index)")), "card \(index)"))
        }
        #expect(thrownCode { try list.add(Self.record(TestKeys.card, "one more")) } == .tooManyPairings)
        #expect(list.records.count == PairingList.maximumCount)
    }

    @Test func encodesVersionOneAndReadsItBack() throws {
        let list = try PairingList([Self.card, Self.otherCard])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(list), as: UTF8.self)
        #expect(json.hasPrefix(#"{"pairings":[{"name":"phone","publicKey":"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"},"#))
        #expect(json.hasSuffix(#""version":1}"#))
        #expect(try JSONDecoder().decode(PairingList.self, from: Data(json.utf8)) == list)
        #expect(try JSONDecoder().decode(PairingList.self, from: Data(#"{"version":1,"pairings":[]}"#.utf8)) == PairingList())
    }

    @Test(arguments: [
        #"{"version":2,"pairings":[]}"#,
        #"{"version":1,"pairings":[{"name":"phone","publicKey":"de9e"}]}"#,
        #"{"version":1,"pairings":[{"name":"phone","publicKey":"zz9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"}]}"#,
        #"{"version":1,"pairings":[{"name":"phone","publicKey":"0000000000000000000000000000000000000000000000000000000000000000"}]}"#,
        #"{"version":1,"pairings":[{"name":"","publicKey":"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"}]}"#,
        #"{"version":1,"pairings":[{"name":"a","publicKey":"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"},"#
            + #"{"name":"b","publicKey":"DE9EDB7D7B7DC1B4D35B61C2ECE435373F8343C85B78674DADFC7E146F882B4F"}]}"#,
    ])
    func refusesDamagedLists(json: String) {
        #expect(thrownCode { try JSONDecoder().decode(PairingList.self, from: Data(json.utf8)) } == .invalidPairingList)
    }

    @Test func jsonOfAnotherShapeIsTheDecodersError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PairingList.self, from: Data(#"{"pairings":[]}"#.utf8)) }
    }
}
