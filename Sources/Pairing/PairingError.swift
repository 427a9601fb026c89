/// The one error type of the Pairing module. Tests compare `code`; `detail` is one line for a person.
///
/// A ceremony that meets any of the ceremony codes is dead: it reports the error in a `.fail` action and
/// answers nothing else. `peerReason` is what the other side said when it aborted (`.abortedByPeer`).
public struct PairingError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unsupportedVersion
            case unknownMessage
            case invalidLength
            case invalidField
            case invalidPublicKey
            case unexpectedMessage
            case commitmentMismatch
            case confirmationInvalid
            case abortedByPeer
            case codeMismatch
            case rejected
            case cancelled
            case timeout
            case outOfTurn
            case ceremonyFinished
            case invalidCode
            case invalidFingerprint
            case invalidName
            case alreadyPaired
            case notPaired
            case tooManyPairings
            case invalidPairingList
            case invalidAdvertisement
        }

        private let value: Value

        /// A pairing message whose version byte is not 1.
        public static let unsupportedVersion = Code(value: .unsupportedVersion)
        /// A pairing message type this version does not define.
        public static let unknownMessage = Code(value: .unknownMessage)
        /// A pairing message shorter or longer than its type's fixed length.
        public static let invalidLength = Code(value: .invalidLength)
        /// A field outside its allowed values (an abort reason this version does not define).
        public static let invalidField = Code(value: .invalidField)
        /// A public key of the wrong length, of small order (its X25519 result would be all zeros), or this
        /// side's own key sent back.
        public static let invalidPublicKey = Code(value: .invalidPublicKey)
        /// A well-formed message that this role never receives, or not at this step.
        public static let unexpectedMessage = Code(value: .unexpectedMessage)
        /// The card's revealed nonce and keys do not give the commitment it sent first: a man in the middle, or
        /// a broken card.
        public static let commitmentMismatch = Code(value: .commitmentMismatch)
        /// The peer's confirmation does not prove its static key and our transcript.
        public static let confirmationInvalid = Code(value: .confirmationInvalid)
        /// The peer ended the ceremony; `peerReason` says why.
        public static let abortedByPeer = Code(value: .abortedByPeer)
        /// The code given to `confirm(code:now:)` is not the one this side computed.
        public static let codeMismatch = Code(value: .codeMismatch)
        /// The user said the two codes differ.
        public static let rejected = Code(value: .rejected)
        /// The user or the shell gave up on the ceremony.
        public static let cancelled = Code(value: .cancelled)
        /// A message or a confirmation did not come before the deadline.
        public static let timeout = Code(value: .timeout)
        /// A local call at the wrong step (a confirmation before the code was shown, or twice).
        public static let outOfTurn = Code(value: .outOfTurn)
        /// A call after the ceremony ended (paired or failed).
        public static let ceremonyFinished = Code(value: .ceremonyFinished)
        /// Text that is not a 6-digit pairing code.
        public static let invalidCode = Code(value: .invalidCode)
        /// Text that is not a fingerprint (16 hex digits, optionally in 4 groups joined by "-").
        public static let invalidFingerprint = Code(value: .invalidFingerprint)
        /// A pairing name that is empty, longer than 64 bytes of UTF-8 or holds control characters.
        public static let invalidName = Code(value: .invalidName)
        /// The key (or its fingerprint) is already in the list.
        public static let alreadyPaired = Code(value: .alreadyPaired)
        /// No pairing has that key or fingerprint.
        public static let notPaired = Code(value: .notPaired)
        /// The list already holds `PairingList.maximumCount` pairings.
        public static let tooManyPairings = Code(value: .tooManyPairings)
        /// A stored pairing list that is not version 1's layout, or holds duplicates.
        public static let invalidPairingList = Code(value: .invalidPairingList)
        /// Advertising data or service data that breaks the AD structure rules or the token layout.
        public static let invalidAdvertisement = Code(value: .invalidAdvertisement)

        /// What this side tells the peer when the ceremony dies of this error; nil when the peer is the one
        /// who aborted, or when nothing was ever sent to it.
        var abortReason: PairingAbortReason? {
            switch value {
            case .codeMismatch: .codeMismatch
            case .rejected: .rejected
            case .cancelled: .cancelled
            case .timeout: .timeout
            case .unsupportedVersion, .unknownMessage, .invalidLength, .invalidField, .invalidPublicKey,
                 .unexpectedMessage, .commitmentMismatch, .confirmationInvalid, .outOfTurn:
                .protocolError
            case .abortedByPeer, .ceremonyFinished, .invalidCode, .invalidFingerprint, .invalidName,
                 .alreadyPaired, .notPaired, .tooManyPairings, .invalidPairingList, .invalidAdvertisement:
                nil
            }
        }

        public var description: String {
            switch value {
            case .unsupportedVersion: "unsupportedVersion"
            case .unknownMessage: "unknownMessage"
            case .invalidLength: "invalidLength"
            case .invalidField: "invalidField"
            case .invalidPublicKey: "invalidPublicKey"
            case .unexpectedMessage: "unexpectedMessage"
            case .commitmentMismatch: "commitmentMismatch"
            case .confirmationInvalid: "confirmationInvalid"
            case .abortedByPeer: "abortedByPeer"
            case .codeMismatch: "codeMismatch"
            case .rejected: "rejected"
            case .cancelled: "cancelled"
            case .timeout: "timeout"
            case .outOfTurn: "outOfTurn"
            case .ceremonyFinished: "ceremonyFinished"
            case .invalidCode: "invalidCode"
            case .invalidFingerprint: "invalidFingerprint"
            case .invalidName: "invalidName"
            case .alreadyPaired: "alreadyPaired"
            case .notPaired: "notPaired"
            case .tooManyPairings: "tooManyPairings"
            case .invalidPairingList: "invalidPairingList"
            case .invalidAdvertisement: "invalidAdvertisement"
            }
        }
    }

    public let code: Code
    public let detail: String
    /// Why the peer aborted, for `.abortedByPeer`; nil otherwise.
    public let peerReason: PairingAbortReason?

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
        peerReason = nil
    }

    /// The error of a ceremony the peer ended with an ABORT message.
    init(abortedByPeer reason: PairingAbortReason) {
        code = .abortedByPeer
        detail = "the other side ended the pairing: \(reason.explanation)"
        peerReason = reason
    }

    public var description: String { detail }
}
