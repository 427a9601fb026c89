import CardCrypto
import CardDaemon
import CredentialStore
import Foundation
import Glibc
import PIVCard
import Pairing
import PivlinkTesting

struct FixtureError: Error {
    let message: String
}

/// One test's credential store: a fresh directory under /tmp (removed with everything in it when released), the
/// store in it sealed by systemd-creds to this "machine", whose credential secret is a file in the same directory
/// (`SYSTEMD_CREDENTIAL_SECRET`, left for systemd-creds to create on first use, as CredentialStoreTests does).
final class CardStoreFixture: Sendable {
    let root: String
    let storePath: String
    let sealer: SystemdCredsSealer

    init() throws {
        var template = Array("/tmp/pivlink-card-store-test-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw FixtureError(message: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        root = String(cString: created)
        storePath = root + "/store"
        sealer = SystemdCredsSealer(environment: ["SYSTEMD_CREDENTIAL_SECRET": root + "/host-secret"])
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
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

/// The forms a private key could take in a text: hex either case, base64, and the decimal byte list of an array.
func secretForms(of key: [UInt8]) -> [String] {
    let hex = key.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    return [hex, hex.uppercased(), Data(key).base64EncodedString(), "\(key)"]
}
