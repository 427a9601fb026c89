import CardDaemon
import Foundation
import CredentialStore
import PIVCard
import Pairing
import PivlinkTesting
import StoreTesting
import Testing

struct CredentialStateStoreTests {
    @Test func savingTheStateKeepsThePairings() throws {
        let fixture = try CardStoreFixture()
        var pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        try pairings.addStation(TestStation.record("desk-42", seed: "station"))
        var state = try TestCardState.make()
        try fixture.create(CardStateDocument(state: state, pairings: pairings).encoded())
        let store = CredentialStateStore(directory: try fixture.open())

        state.version += 1
        try store.save(state)

        let stored = try fixture.storedDocument()
        #expect(stored.state == state)
        #expect(stored.pairings == pairings)
    }

    @Test func changingPairingsKeepsTheSavedState() throws {
        let fixture = try CardStoreFixture()
        var state = try TestCardState.make()
        try fixture.create(CardStateDocument(state: state, pairings: .generate(random: SeededRandom(seed: "identity"))).encoded())
        let store = CredentialStateStore(directory: try fixture.open())
        state.version += 1
        try store.save(state)
        let station = try TestStation.record("desk-42", seed: "station")

        try store.addStation(station)

        let stored = try fixture.storedDocument()
        #expect(stored.state == state)
        #expect(stored.pairings?.stations.records == [station])
    }

    @Test func addAndRemovePersistAcrossReopen() throws {
        let fixture = try CardStoreFixture()
        let identity = CardPairings.generate(random: SeededRandom(seed: "identity"))
        try fixture.create(CardStateDocument(state: try TestCardState.make(), pairings: identity).encoded())
        let desk = try TestStation.record("desk-42", seed: "desk")
        let laptop = try TestStation.record("laptop", seed: "laptop")
        do {
            let store = CredentialStateStore(directory: try fixture.open())
            try store.addStation(desk)
            try store.addStation(laptop)
        }
        do {
            let store = CredentialStateStore(directory: try fixture.open())
            #expect(try store.pairings().stations.records == [desk, laptop])
            #expect(try store.removeStation(fingerprint: desk.fingerprint) == desk)
        }
        let reopened = CredentialStateStore(directory: try fixture.open())
        let pairings = try reopened.pairings()
        #expect(pairings.stations.records == [laptop])
        #expect(pairings.identity == identity.identity)
        #expect(pairings.identity.keyPair.privateKey == identity.identity.keyPair.privateKey)
    }

    @Test func aStationPairedAgainIsStoredOnceWithItsNewName() throws {
        let fixture = try CardStoreFixture()
        try fixture.create(CardStateDocument(state: try TestCardState.make(), pairings: .generate(random: SeededRandom(seed: "identity"))).encoded())
        let store = CredentialStateStore(directory: try fixture.open())
        let station = try TestStation.record("desk-42", seed: "station")
        try store.addStation(station)
        let again = try PairingRecord(publicKey: station.publicKey, name: "again")

        try store.addStation(again)

        #expect(try store.pairings().stations.records == [again])
    }

    @Test func removingAnUnpairedStationLeavesTheStore() throws {
        let fixture = try CardStoreFixture()
        try fixture.create(CardStateDocument(state: try TestCardState.make(), pairings: .generate(random: SeededRandom(seed: "identity"))).encoded())
        let store = CredentialStateStore(directory: try fixture.open())
        let before = try fixture.open(.readOnly).payload

        let error = #expect(throws: CardDaemonError.self) {
            try store.removeStation(fingerprint: try TestStation.record("stranger", seed: "stranger").fingerprint)
        }

        #expect(error?.code == .notPaired)
        #expect(try fixture.open(.readOnly).payload == before)
    }

    @Test func aFormat1StoreGetsAnIdentityOnceWhenOpenedReadWrite() throws {
        let fixture = try CardStoreFixture()
        let state = try TestCardState.make()
        try fixture.create(Array(#"{"format":1,"state":"#.utf8) + JSONEncoderBytes.of(state) + Array("}".utf8))
        #expect(try fixture.storedDocument().pairings == nil)
        let withoutIdentity = CredentialStateStore(directory: try fixture.open())
        let error = #expect(throws: CardDaemonError.self) { try withoutIdentity.pairings() }
        #expect(error?.code == .noPairingIdentity)

        let created = try withoutIdentity.loadOrCreatePairings(random: SeededRandom(seed: "new identity"))
        let again = try withoutIdentity.loadOrCreatePairings(random: SeededRandom(seed: "another identity"))

        #expect(again == created)
        let stored = try fixture.storedDocument()
        #expect(stored.pairings == created)
        #expect(stored.state == state)
    }

    @Test func loadOrCreateOnTheDirectoryWritesFormat2() throws {
        let fixture = try CardStoreFixture()
        let state = try TestCardState.make()
        try fixture.create(Array(#"{"format":1,"state":"#.utf8) + JSONEncoderBytes.of(state) + Array("}".utf8))

        let document = try CardStateDocument.loadOrCreatePairings(in: try fixture.open(), random: SeededRandom(seed: "new"))

        #expect(document.pairings != nil)
        #expect(try fixture.storedDocument() == document)
    }

    @Test func errorsNeverCarryThePrivateKey() throws {
        let fixture = try CardStoreFixture()
        let pairings = CardPairings.generate(random: SeededRandom(seed: "identity"))
        try fixture.create(CardStateDocument(state: try TestCardState.make(), pairings: pairings).encoded())
        let store = CredentialStateStore(directory: try fixture.open())
        let station = try TestStation.record("desk-42", seed: "station")
        try store.addStation(station)
        var errors: [any Error] = []
        for attempt in [
            { _ = try store.removeStation(fingerprint: try TestStation.record("x", seed: "stranger").fingerprint) },
            { try CredentialStateStore(directory: try fixture.open(.readOnly)).addStation(try TestStation.record("y", seed: "y")) },
        ] as [() throws -> Void] {
            do {
                try attempt()
            } catch {
                errors.append(error)
            }
        }

        #expect(errors.count == 2)
        for error in errors {
            for form in secretForms(of: pairings.identity.keyPair.privateKey) {
                #expect(!String(describing: error).contains(form))
                #expect(!String(reflecting: error).contains(form))
            }
        }
    }
}

enum JSONEncoderBytes {
    static func of(_ state: CardState) throws -> [UInt8] {
        Array(try JSONEncoder().encode(state))
    }
}
