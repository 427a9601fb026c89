import ArgumentParser
import CardCrypto
import CardDaemon
import CredentialStore
import PIVCard

/// `--store DIR`, shared by every subcommand, and the loading of the card's state from it.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The credential's directory.")
    var store: String = CredentialDirectory.defaultPath

    /// The store and the card's state. Opened read-write, a credential from before pairing gets its pairing
    /// identity now, written before this returns.
    func open(_ access: CredentialDirectory.Access) throws -> (CredentialDirectory, CardState) {
        let (directory, document) = try openDocument(access)
        return (directory, document.state)
    }

    /// The store and its whole document: the card's state and pairings (nil only read-only, for a credential from
    /// before pairing).
    func openDocument(_ access: CredentialDirectory.Access) throws -> (CredentialDirectory, CardStateDocument) {
        let directory = try CredentialDirectory.open(at: store, access: access, sealer: SystemdCredsSealer())
        switch access {
        case .readOnly:
            return (directory, try CardStateDocument(decoding: directory.payload))
        case .readWrite:
            return (directory, try CardStateDocument.loadOrCreatePairings(in: directory, random: SystemRandom()))
        }
    }
}
