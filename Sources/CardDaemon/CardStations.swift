import CardCrypto
import Crypto
import Pairing

/// The card's identity and paired stations while it serves over Bluetooth: what the credential store holds,
/// changed only through the store (on disk before a change is reported), and each change announced to the
/// daemon's parts (the bus properties, the advertisement, the link that must drop a removed station).
///
/// Used from the loop's thread only.
public final class CardStations {
    /// What changed: a station paired, or one removed (by UNPAIR, `pivlink-card unpair` or the bus).
    public enum Change: Sendable {
        case added(PairingRecord)
        case removed(PairingRecord)
    }

    public let identity: PairingIdentity
    public private(set) var records: [PairingRecord]
    private let store: CredentialStateStore
    private var observers: [(Change) -> Void] = []

    /// Reads the pairings from `store`, giving the card an identity (written at once) if it has none yet.
    public init(store: CredentialStateStore, random: some RandomSource) throws {
        self.store = store
        let pairings = try store.loadOrCreatePairings(random: random)
        identity = pairings.identity
        records = pairings.stations.records
    }

    /// `observer` hears of every later change, after it is on disk.
    public func observe(_ observer: @escaping (Change) -> Void) {
        observers.append(observer)
    }

    /// The raw public keys of the paired stations, as `LinkSecurity.card(…)` takes them: read at each connect, so
    /// that a removed station's next handshake meets NOT_PAIRED.
    public var pairedKeys: Set<[UInt8]> { Set(records.map(\.publicKey.bytes)) }

    /// The card's static key as the link's channel takes it. Secret.
    public var linkStaticKey: Curve25519.KeyAgreement.PrivateKey {
        do {
            return try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: identity.keyPair.privateKey)
        } catch {
            // `PairingIdentity` holds exactly 32 bytes of private key, all swift-crypto asks for.
            preconditionFailure("swift-crypto refused the card's 32-byte X25519 private key: \(type(of: error))")
        }
    }

    public func record(forKey bytes: [UInt8]) -> PairingRecord? {
        records.first { $0.publicKey.bytes == bytes }
    }

    /// Pairs the station (again: its record renamed): stored, then announced. `.alreadyPaired` (another key with
    /// its fingerprint), `.tooManyPairings` or a store failure change nothing.
    public func add(_ record: PairingRecord) throws(CardDaemonError) {
        try Self.storing { try store.addStation(record) }
        records.removeAll { $0.publicKey == record.publicKey }
        records.append(record)
        announce(.added(record))
    }

    /// Unpairs the station with this fingerprint: stored, then announced. `.notPaired` changes nothing.
    @discardableResult
    public func remove(fingerprint: PairingFingerprint) throws(CardDaemonError) -> PairingRecord {
        let removed = try Self.storing { try store.removeStation(fingerprint: fingerprint) }
        records.removeAll { $0.fingerprint == removed.fingerprint }
        announce(.removed(removed))
        return removed
    }

    private func announce(_ change: Change) {
        for observer in observers {
            observer(change)
        }
    }

    private static func storing<Result>(_ body: () throws -> Result) throws(CardDaemonError) -> Result {
        do {
            return try body()
        } catch let error as CardDaemonError {
            throw error
        } catch {
            throw CardDaemonError(.storeFailed, "cannot write the card's pairings (\(error)): check the credential directory")
        }
    }
}
