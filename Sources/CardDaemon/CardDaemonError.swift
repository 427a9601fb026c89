/// Failures of the card daemon's own glue: loading the card's state and serving it.
public struct CardDaemonError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        private enum Value: Hashable, Sendable { case unreadableState, newerState }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        public static let unreadableState = Code(.unreadableState)
        public static let newerState = Code(.newerState)
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
