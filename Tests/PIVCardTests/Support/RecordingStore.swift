import PIVCard

/// A card state store that keeps every state the card saved, in order, and can be told to refuse saves.
final class RecordingStore: CardStateStore {
    struct SaveRefused: Error {}

    private(set) var saves: [CardState] = []
    /// While true every save throws, as a full disk or a failed fsync would.
    var isFailing = false

    func save(_ state: CardState) throws {
        guard !isFailing else { throw SaveRefused() }
        saves.append(state)
    }
}
