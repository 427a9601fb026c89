/// The one error type of the ProximitySimulation module. Tests compare `code`; `detail` is one line naming the
/// input's line and what to fix.
public struct ProximitySimulationError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidTrace
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A trace file that is not `t,rssi` CSV: header, numbers, order.
        public static let invalidTrace = Code(.invalidTrace)

        public var description: String {
            switch value {
            case .invalidTrace: "invalidTrace"
            }
        }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
