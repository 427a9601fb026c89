import ArgumentParser
import CardDaemon
import CredentialStore
import PIVCard

/// `--store DIR`, shared by every subcommand, and the loading of the card's state from it.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The credential's directory.")
    var store: String = CredentialDirectory.defaultPath

    func open(_ access: CredentialDirectory.Access) throws -> (CredentialDirectory, CardState) {
        let directory = try CredentialDirectory.open(at: store, access: access, sealer: SystemdCredsSealer())
        return (directory, try CardStateDocument.decode(directory.payload))
    }
}
