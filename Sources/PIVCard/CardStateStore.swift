/// Where the card keeps its state. `save` returns only once the state is durable (on disk: temp file, fsync,
/// rename, fsync of the directory), because the card decrements a retry counter, saves, and only then checks
/// the PIN.
public protocol CardStateStore: AnyObject {
    func save(_ state: CardState) throws
}

/// A store that keeps the state in memory, for a card that lives only as long as its process (benchmarks, tests).
public final class InMemoryCardStateStore: CardStateStore {
    public private(set) var saved: CardState?

    public init() {}

    public func save(_ state: CardState) throws { saved = state }
}
