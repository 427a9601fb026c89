import CardCrypto
import CredentialStore
import PIVCard
import Pairing
import Synchronization

/// The card's credential on disk: the PIV state (`CardStateStore`) and the pairings, one `CardStateDocument`.
///
/// Every change rewrites the whole document atomically and durably before it returns, starting from what the
/// store holds: saving the state keeps the pairings, changing the pairings keeps the last saved state. If a
/// write throws, the store (and what the next call starts from) is unchanged.
///
/// The PIV card saves from its worker thread while the daemon changes pairings on its loop's thread, so each
/// read-modify-write runs under a mutex. One store per credential directory: the directory's payload is the
/// only copy of the document this type trusts.
public final class CredentialStateStore: CardStateStore, Sendable {
    private let directory: Mutex<CredentialDirectory>

    /// `directory` must be open read-write for anything to be saved.
    public init(directory: sending CredentialDirectory) {
        self.directory = Mutex(directory)
    }

    public func save(_ state: CardState) throws {
        try directory.withLock { directory in
            let pairings = try CardStateDocument.pairings(in: directory.payload)
            try directory.write(try CardStateDocument(state: state, pairings: pairings).encoded())
        }
    }

    /// The card's identity and paired stations as stored; `.noPairingIdentity` for a credential from before
    /// pairing that was never opened read-write since (`loadOrCreatePairings` gives it one).
    public func pairings() throws -> CardPairings {
        try directory.withLock { directory in
            guard let pairings = try CardStateDocument.pairings(in: directory.payload) else {
                throw Self.noIdentity
            }
            return pairings
        }
    }

    /// The stored pairings, after giving the card an identity and writing it if it has none.
    public func loadOrCreatePairings(random: some RandomSource) throws -> CardPairings {
        let newPairings = CardPairings.generate(random: random)
        return try directory.withLock { directory in
            guard let pairings = try CardStateDocument.load(from: directory, givingIt: newPairings).pairings else {
                throw Self.noIdentity
            }
            return pairings
        }
    }

    /// Pairs `record`'s station (again: its record renamed), on disk before this returns; `.alreadyPaired` (another
    /// key with its fingerprint) or `.tooManyPairings` change nothing.
    public func addStation(_ record: PairingRecord) throws {
        try changePairings { try $0.addStation(record) }
    }

    /// Unpairs the station with this fingerprint, on disk before this returns; `.notPaired` changes nothing.
    @discardableResult
    public func removeStation(fingerprint: PairingFingerprint) throws -> PairingRecord {
        try changePairings { try $0.removeStation(fingerprint: fingerprint) }
    }

    private func changePairings<Result: Sendable>(
        _ change: (inout CardPairings) throws -> Result
    ) throws -> Result {
        try directory.withLock { directory in
            var document = try CardStateDocument(decoding: directory.payload)
            guard var pairings = document.pairings else { throw Self.noIdentity }
            let result = try change(&pairings)
            document.pairings = pairings
            try directory.write(try document.encoded())
            return result
        }
    }

    private static var noIdentity: CardDaemonError {
        CardDaemonError(.noPairingIdentity, "the credential has no pairing identity yet: run `pivlink-card serve` once (it creates one), then pair")
    }
}
