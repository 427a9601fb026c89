import Pairing

/// Failures of pivlink-station's start-up (its config, the bus, the event loop, its stored state), of locking the
/// holder's session (`SessionLocker`) and of changing its pairings (`StationPairingStore`). Once running, the daemon
/// reports trouble through its log and retries instead of throwing.
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
            case alreadyPaired
            case notPaired
            case tooManyPairings
            case pairingFailed
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
        /// The station's state (the seated baseline, the pairing store's document) cannot be read or written.
        public static let stateFailed = Code(.stateFailed)
        /// The card's key or fingerprint is already among the station's pairings.
        public static let alreadyPaired = Code(.alreadyPaired)
        /// No card with that fingerprint is paired with the station.
        public static let notPaired = Code(.notPaired)
        /// The station already keeps the most pairings it may (`PairingList.maximumCount`).
        public static let tooManyPairings = Code(.tooManyPairings)
        /// A pairing call that does not fit now: no ceremony to confirm, one already running, a name the store
        /// cannot keep.
        public static let pairingFailed = Code(.pairingFailed)

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
            case .alreadyPaired: "alreadyPaired"
            case .notPaired: "notPaired"
            case .tooManyPairings: "tooManyPairings"
            case .pairingFailed: "pairingFailed"
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

extension StationDaemonError {
    /// A pairing list's refusal of an add or remove, under this module's codes; its detail already says what to do.
    init(refusal: PairingError) {
        let code: Code =
            switch refusal.code {
            case .alreadyPaired: .alreadyPaired
            case .tooManyPairings: .tooManyPairings
            // The only other refusal a pairing list's add or remove makes.
            default: .notPaired
            }
        self.init(code, refusal.detail)
    }
}
