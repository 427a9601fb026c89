import Foundation
import CardCrypto
import CredentialStore
import Pairing
import Synchronization

/// The station's identity and paired cards on disk: a `CredentialDirectory` (the card's encrypted, device-bound,
/// crash-safe store: its key sealed to this machine by systemd-creds) at `<state directory>/pairing`, holding a
/// `StationPairingDocument`.
///
/// Every change is on disk, atomically and durably, before it returns; if a write throws, the store and
/// `pairings` are unchanged. The daemon may change pairings from more than one thread (its loop and a D-Bus
/// call), so each change runs under a mutex; the handle holds the store's writer lock for its lifetime.
public final class StationPairingStore: Sendable {
    public static let directoryName = "pairing"

    private struct Guarded {
        let directory: CredentialDirectory
        var pairings: StationPairings
    }

    private let guarded: Mutex<Guarded>

    private init(guarded: sending Guarded) {
        self.guarded = Mutex(guarded)
    }

    /// `<state directory>/pairing`, the state directory chosen as `StationStateDirectory` chooses it.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        StationStateDirectory.path(environment: environment) + "/" + directoryName
    }

    /// Opens the store at `directory` read-write, or creates it there (a new identity from `random`, no card
    /// paired) if there is none, with its parent directory if that is missing too (mode 0700, as systemd's
    /// StateDirectoryMode= gives it: the station run by hand has no StateDirectory=). The store keeps `random` for
    /// the nonces of later writes, so it is handed over (`sending`), never shared with the caller.
    public static func openOrCreate(
        directory: String, sealer: sending some StoreKeySealer, random: sending some RandomSource
    ) throws -> StationPairingStore {
        if CredentialDirectory.exists(at: directory) {
            let store = try CredentialDirectory.open(at: directory, access: .readWrite, sealer: sealer, random: random)
            let pairings = try StationPairingDocument.decode(store.payload, path: directory)
            return StationPairingStore(guarded: Guarded(directory: store, pairings: pairings))
        }
        let parent = (directory as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: parent) {
            try FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let pairings = StationPairings.generate(random: random)
        let store = try CredentialDirectory.create(
            at: directory, payload: try StationPairingDocument.encode(pairings), force: false,
            sealer: sealer, random: random)
        return StationPairingStore(guarded: Guarded(directory: store, pairings: pairings))
    }

    /// The station's identity and paired cards, as stored.
    public var pairings: StationPairings {
        guarded.withLock { $0.pairings }
    }

    /// Pairs `record`'s card (again: its record renamed), on disk before this returns; `.alreadyPaired` (another key
    /// with its fingerprint) or `.tooManyPairings` change nothing.
    public func addCard(_ record: PairingRecord) throws {
        try change { try $0.addCard(record) }
    }

    /// Unpairs the card with this fingerprint, on disk before this returns; `.notPaired` changes nothing.
    @discardableResult
    public func removeCard(fingerprint: PairingFingerprint) throws -> PairingRecord {
        try change { try $0.removeCard(fingerprint: fingerprint) }
    }

    private func change<Result: Sendable>(_ body: (inout StationPairings) throws -> Result) throws -> Result {
        try guarded.withLock { guarded in
            var pairings = guarded.pairings
            let result = try body(&pairings)
            try guarded.directory.write(try StationPairingDocument.encode(pairings))
            guarded.pairings = pairings
            return result
        }
    }
}
