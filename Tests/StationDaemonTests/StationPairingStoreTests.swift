import CardCrypto
import CardDaemon
import CredentialStore
import Foundation
import Glibc
import Pairing
import PivlinkTesting
import StoreTesting
import StationDaemon
import Testing

struct StationPairingStoreTests {
    @Test func createdOnceThenReopenedWithTheSameIdentity() throws {
        let fixture = try StationStoreFixture()
        let created = try fixture.openOrCreate(seed: "first").pairings
        #expect(created.cards.records.isEmpty)

        let reopened = try fixture.openOrCreate(seed: "second").pairings

        #expect(reopened == created)
        #expect(reopened.identity.keyPair.privateKey == created.identity.keyPair.privateKey)
    }

    /// Run by hand, the station has no StateDirectory=: its state directory is made as systemd would make it.
    @Test func createsAMissingStateDirectoryPrivateToTheStation() throws {
        let fixture = try StationStoreFixture()
        let state = fixture.root + "/var/lib/pivlink-station"
        let directory = StationPairingStore.defaultDirectory(environment: ["STATE_DIRECTORY": state])

        _ = try StationPairingStore.openOrCreate(directory: directory, sealer: fixture.sealer, random: SeededRandom(seed: "x"))

        let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(CredentialDirectory.exists(at: directory))
    }

    @Test func addAndRemovePersistAcrossReopen() throws {
        let fixture = try StationStoreFixture()
        let phone = try Self.card("Anna's phone", seed: "phone")
        let tablet = try Self.card("tablet", seed: "tablet")
        do {
            let store = try fixture.openOrCreate()
            try store.addCard(phone)
            try store.addCard(tablet)
        }
        do {
            let store = try fixture.openOrCreate()
            #expect(store.pairings.cards.records == [phone, tablet])
            #expect(try store.removeCard(fingerprint: phone.fingerprint) == phone)
        }
        #expect(try fixture.openOrCreate().pairings.cards.records == [tablet])
    }

    @Test func aCardPairedAgainIsStoredOnceWithItsNewName() throws {
        let fixture = try StationStoreFixture()
        let store = try fixture.openOrCreate()
        let phone = try Self.card("phone", seed: "phone")
        try store.addCard(phone)
        let again = try PairingRecord(publicKey: phone.publicKey, name: "again")

        try store.addCard(again)

        #expect(store.pairings.cards.records == [again])
    }

    @Test func removingAnUnpairedCardIsNotPaired() throws {
        let fixture = try StationStoreFixture()
        let store = try fixture.openOrCreate()
        let error = #expect(throws: StationDaemonError.self) {
            try store.removeCard(fingerprint: try Self.card("stranger", seed: "stranger").fingerprint)
        }
        #expect(error?.code == .notPaired)
    }

    @Test func aNewerFormatIsRefused() throws {
        let fixture = try StationStoreFixture()
        _ = try CredentialDirectory.create(
            at: fixture.storePath, payload: Array(#"{"format":2}"#.utf8), force: false, sealer: fixture.sealer,
            random: SeededRandom(seed: "store"))

        let error = #expect(throws: StationDaemonError.self) { try fixture.openOrCreate() }

        #expect(error?.code == .stateFailed)
    }

    @Test func aDamagedIdentityIsRefusedWithoutTheKey() throws {
        let fixture = try StationStoreFixture()
        let key = try fixture.openOrCreate().pairings.identity.keyPair.privateKey
        do {
            let directory = try CredentialDirectory.open(at: fixture.storePath, access: .readWrite, sealer: fixture.sealer)
            let damaged = String(decoding: directory.payload, as: UTF8.self).replacingOccurrences(
                of: jsonBase64(key), with: jsonBase64(Array(key.dropLast())))
            try directory.write(Array(damaged.utf8))
        }

        let error = #expect(throws: StationDaemonError.self) {
            _ = try StationPairingStore.openOrCreate(
                directory: fixture.storePath, sealer: fixture.sealer, random: SeededRandom(seed: "x"))
        }

        #expect(error?.code == .stateFailed)
        let errorText = error.map { String(describing: $0) } ?? ""
        for secret in [key, Array(key.dropLast())] {
            for form in secretForms(of: secret) {
                #expect(!errorText.contains(form))
            }
        }
    }

    @Test func errorsAndDescriptionsNeverCarryThePrivateKey() throws {
        let fixture = try StationStoreFixture()
        let store = try fixture.openOrCreate()
        let phone = try Self.card("phone", seed: "phone")
        try store.addCard(phone)
        var texts = [String(describing: store.pairings), String(reflecting: store.pairings)]
        do {
            try store.removeCard(fingerprint: try Self.card("x", seed: "stranger").fingerprint)
        } catch {
            texts += [String(describing: error), String(reflecting: error)]
        }

        #expect(texts.count == 4)
        for text in texts {
            for form in secretForms(of: store.pairings.identity.keyPair.privateKey) {
                #expect(!text.contains(form))
            }
        }
    }

    @Test func defaultDirectoryIsPairingInTheStateDirectory() {
        #expect(StationPairingStore.defaultDirectory(environment: ["STATE_DIRECTORY": "/run/x:/run/y"]) == "/run/x/pairing")
        #expect(StationPairingStore.defaultDirectory(environment: [:]) == "/var/lib/pivlink-station/pairing")
    }

    private static func card(_ name: String, seed: String) throws -> PairingRecord {
        try PairingRecord(publicKey: PairingIdentity.generate(random: SeededRandom(seed: seed)).publicKey, name: name)
    }

    /// The forms a private key could take in a text: hex either case, base64, and an array's decimal bytes.
}

/// One test's station state directory under /tmp (removed when released), the pairing store's place in it, and a
/// systemd-creds sealer whose machine secret is a file there (`SYSTEMD_CREDENTIAL_SECRET`, created by systemd-creds
/// on first use, as CredentialStoreTests does).
private final class StationStoreFixture {
    let world: SealedStoreWorld
    let storePath: String

    var root: String { world.root }
    var sealer: SystemdCredsSealer { world.sealer }

    init() throws {
        world = try SealedStoreWorld(prefix: "pivlink-station-store-test")
        storePath = StationPairingStore.defaultDirectory(environment: ["STATE_DIRECTORY": world.root])
    }

    func openOrCreate(seed: String = "identity") throws -> StationPairingStore {
        try StationPairingStore.openOrCreate(directory: storePath, sealer: sealer, random: SeededRandom(seed: seed))
    }

    func storedPayload() throws -> [UInt8] {
        try CredentialDirectory.open(at: storePath, access: .readOnly, sealer: sealer).payload
    }
}

/// Bytes as JSONEncoder writes them into a document: base64, with '/' escaped.
private func jsonBase64(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "/", with: "\\/")
}
