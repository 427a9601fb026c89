/// Why `VPCDServer` could not start (or its endpoint could not be parsed). Once running, it reports trouble through its log and keeps serving
/// (or retrying) instead of throwing.
public struct VPCDServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidATR
            case invalidEndpoint
            case addressResolutionFailed
            case listenFailed
            case eventLoopFailed
        }

        private let value: Value

        /// The card's ATR cannot be sent over vpcd.
        public static let invalidATR = Code(value: .invalidATR)
        /// A `HOST:PORT` text could not be parsed.
        public static let invalidEndpoint = Code(value: .invalidEndpoint)
        /// The configured host and port do not resolve to an address.
        public static let addressResolutionFailed = Code(value: .addressResolutionFailed)
        /// No resolved address could be bound and listened on (e.g. the port is in use).
        public static let listenFailed = Code(value: .listenFailed)
        /// The event loop refused a timer or IO source.
        public static let eventLoopFailed = Code(value: .eventLoopFailed)

        public var description: String {
            switch value {
            case .invalidATR: "invalidATR"
            case .invalidEndpoint: "invalidEndpoint"
            case .addressResolutionFailed: "addressResolutionFailed"
            case .listenFailed: "listenFailed"
            case .eventLoopFailed: "eventLoopFailed"
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
