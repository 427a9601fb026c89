import CredentialStore
import PIVCard

/// The card's `CardStateStore` on disk: each save rewrites the credential atomically and durably.
public final class CredentialStateStore: CardStateStore {
    private let directory: CredentialDirectory

    public init(directory: CredentialDirectory) {
        self.directory = directory
    }

    public func save(_ state: CardState) throws {
        try directory.write(try CardStateDocument.encode(state))
    }
}
