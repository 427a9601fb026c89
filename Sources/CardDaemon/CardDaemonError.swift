import Pairing

/// Failures of the card daemon's own glue: loading the card's state and pairings, changing the pairings, and
/// starting `VPCDServer` (or parsing its endpoint). Once running, the server reports trouble through its log and keeps serving (or retrying) instead
/// of throwing.
public struct CardDaemonError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unreadableState
            case newerState
            case invalidATR
            case invalidEndpoint
            case addressResolutionFailed
            case listenFailed
            case eventLoopFailed
            case bluetoothFailed
            case alreadyPaired
            case notPaired
            case tooManyPairings
            case noPairingIdentity
            case pairingInProgress
            case noPairingInProgress
            case busFailed
            case storeFailed
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The stored card state does not parse.
        public static let unreadableState = Code(.unreadableState)
        /// The stored card state was written in a newer state format than this build reads.
        public static let newerState = Code(.newerState)
        /// The card's ATR cannot be sent over vpcd.
        public static let invalidATR = Code(.invalidATR)
        /// A `HOST:PORT` text could not be parsed.
        public static let invalidEndpoint = Code(.invalidEndpoint)
        /// The configured host and port do not resolve to an address.
        public static let addressResolutionFailed = Code(.addressResolutionFailed)
        /// No resolved address could be bound and listened on (e.g. the port is in use).
        public static let listenFailed = Code(.listenFailed)
        /// The event loop refused a timer or IO source.
        public static let eventLoopFailed = Code(.eventLoopFailed)
        /// The system bus or bluetoothd refused what serving over Bluetooth needs (connecting, exporting the
        /// GATT application, an adapter name that is not one).
        public static let bluetoothFailed = Code(.bluetoothFailed)
        /// The station's key or fingerprint is already among the card's pairings.
        public static let alreadyPaired = Code(.alreadyPaired)
        /// No station with that fingerprint is paired with the card.
        public static let notPaired = Code(.notPaired)
        /// The card already keeps the most pairings it may (`PairingList.maximumCount`).
        public static let tooManyPairings = Code(.tooManyPairings)
        /// The credential holds no pairing identity yet: it was written before pairing existed and has not been
        /// opened read-write since.
        public static let noPairingIdentity = Code(.noPairingIdentity)
        /// A pairing window or ceremony is already open: one at a time.
        public static let pairingInProgress = Code(.pairingInProgress)
        /// A confirmation, rejection or cancellation came with no pairing window open.
        public static let noPairingInProgress = Code(.noPairingInProgress)
        /// The system bus refused what `org.pivlink.Card1` needs (exporting it, its name, a signal).
        public static let busFailed = Code(.busFailed)
        /// The credential store could not be written (the change was not made).
        public static let storeFailed = Code(.storeFailed)

        public var description: String {
            switch value {
            case .unreadableState: "unreadableState"
            case .newerState: "newerState"
            case .invalidATR: "invalidATR"
            case .invalidEndpoint: "invalidEndpoint"
            case .addressResolutionFailed: "addressResolutionFailed"
            case .listenFailed: "listenFailed"
            case .eventLoopFailed: "eventLoopFailed"
            case .bluetoothFailed: "bluetoothFailed"
            case .alreadyPaired: "alreadyPaired"
            case .notPaired: "notPaired"
            case .tooManyPairings: "tooManyPairings"
            case .noPairingIdentity: "noPairingIdentity"
            case .pairingInProgress: "pairingInProgress"
            case .noPairingInProgress: "noPairingInProgress"
            case .busFailed: "busFailed"
            case .storeFailed: "storeFailed"
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

extension CardDaemonError {
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
