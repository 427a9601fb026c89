/// Failures of pivlink-station's start-up (its config, the bus, the event loop) and of locking the holder's session
/// (`SessionLocker`). Once running, the daemon reports trouble through its log and retries instead of throwing.
public struct StationDaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unreadableConfig
            case invalidConfig
            case busFailed
            case eventLoopFailed
            case noUserSession
            case logindUnavailable
            case lockFailed
            case notConnected
            case calibrationFailed
            case stateFailed
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The config file cannot be read (missing, no permission).
        public static let unreadableConfig = Code(.unreadableConfig)
        /// The config file is not valid YAML, or a setting is missing, unknown or out of range.
        public static let invalidConfig = Code(.invalidConfig)
        /// The system bus or bluetoothd cannot be reached.
        public static let busFailed = Code(.busFailed)
        /// The event loop refused a timer or IO source.
        public static let eventLoopFailed = Code(.eventLoopFailed)
        /// The configured user has no local graphical session on seat0 to lock.
        public static let noUserSession = Code(.noUserSession)
        /// systemd-logind (`org.freedesktop.login1`) is not on the system bus.
        public static let logindUnavailable = Code(.logindUnavailable)
        /// A call to logind failed or timed out.
        public static let lockFailed = Code(.lockFailed)
        /// The card's link is down, so there is nothing to measure (calibration).
        public static let notConnected = Code(.notConnected)
        /// Calibration heard too few RSSI readings.
        public static let calibrationFailed = Code(.calibrationFailed)
        /// The station's state (the seated baseline) cannot be read or written.
        public static let stateFailed = Code(.stateFailed)

        public var description: String {
            switch value {
            case .unreadableConfig: "unreadableConfig"
            case .invalidConfig: "invalidConfig"
            case .busFailed: "busFailed"
            case .eventLoopFailed: "eventLoopFailed"
            case .noUserSession: "noUserSession"
            case .logindUnavailable: "logindUnavailable"
            case .lockFailed: "lockFailed"
            case .notConnected: "notConnected"
            case .calibrationFailed: "calibrationFailed"
            case .stateFailed: "stateFailed"
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
