import CardCrypto
import CardDaemon
import CredentialStore
import Foundation
import Glibc
import PIVCard
import Pairing
import PivlinkTesting
import StoreTesting

/// One test's credential store: the store in a `SealedStoreWorld` (a fresh directory under /tmp, removed with
/// everything in it when released, whose systemd-creds secret is a file in the same directory).
final class CardStoreFixture: Sendable {
    let world: SealedStoreWorld
    let storePath: String

    var sealer: SystemdCredsSealer { world.sealer }

    init() throws {
        world = try SealedStoreWorld(prefix: "pivlink-card-store-test")
        storePath = world.path("store")
    }

    /// Creates the store holding `payload`.
    func create(_ payload: [UInt8]) throws {
        _ = try CredentialDirectory.create(
            at: storePath, payload: payload, force: false, sealer: sealer, random: SeededRandom(seed: "store"))
    }

    func open(_ access: CredentialDirectory.Access = .readWrite) throws -> CredentialDirectory {
        try CredentialDirectory.open(at: storePath, access: access, sealer: sealer)
    }

    /// The document as stored now, read through a fresh read-only handle.
    func storedDocument() throws -> CardStateDocument {
        try CardStateDocument(decoding: open(.readOnly).payload)
    }
}

enum TestCardState {
    /// A new credential (fast KDF, deterministic serial).
    static func make(seed: String = "card") throws -> CardState {
        try CardProvisioning.newCredential(
            pin: ReferenceValue.defaultPIN, puk: ReferenceValue.defaultPUK,
            managementKey: ManagementKey(
                algorithm: .tripleDES, key: CardProvisioning.defaultManagementKey, isDefault: true),
            kdf: .testing, environment: CardEnvironment(random: SeededRandom(seed: seed)))
    }
}

enum TestStation {
    /// A station's pairing record with a key derived from `seed`.
    static func record(_ name: String, seed: String) throws -> PairingRecord {
        try PairingRecord(publicKey: PairingIdentity.generate(random: SeededRandom(seed: seed)).publicKey, name: name)
    }
}
