import PIVCard

/// An in-memory `CardStateStore` whose saves can be made to fail, as on a full or failing disk.
final class SwitchableStore: CardStateStore {
    struct SaveRefused: Error {}

    /// The last state saved successfully.
    private(set) var saved: CardState?
    var failsSaves = false

    func save(_ state: CardState) throws {
        if failsSaves { throw SaveRefused() }
        saved = state
    }
}
