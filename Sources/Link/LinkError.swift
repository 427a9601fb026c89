/// The one error type of the Link module. Tests compare `code`; `detail` is a human explanation.
///
/// The same type reports what this side found wrong in the peer's bytes (thrown by the codecs, returned by the
/// state machines) and how a transaction ended without an answer (`.fail` actions). `wireCode` is what a card
/// tells the station about an error it found; `peerCode` is what the card told us, when it did.
public struct LinkError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case truncatedFragment
            case oversizeFragment
            case messageTooLong
            case outOfOrderFragment
            case duplicateFragment
            case interleavedMessage
            case unknownCommand
            case invalidMessage
            case unexpectedMessage
            case invalidInfo
            case unsupportedVersion
            case mtuTooSmall
            case timeout
            case cardRemoved
            case busy
            case cancelled
            case rejectedByPeer
            case notPaired
            case channelFailed
            case pairingClosed
        }

        private let value: Value

        /// A fragment too short for its header: empty, an initial fragment under 4 bytes, or a continuation
        /// fragment with a sequence number and no data.
        public static let truncatedFragment = Code(value: .truncatedFragment)
        /// A fragment longer than the link's fragment size, or one carrying bytes past its message's length.
        public static let oversizeFragment = Code(value: .oversizeFragment)
        /// A message longer than the receiver's limit (or than the 16-bit length field can say).
        public static let messageTooLong = Code(value: .messageTooLong)
        /// A continuation fragment whose sequence number is not the next one, or that belongs to no message.
        public static let outOfOrderFragment = Code(value: .outOfOrderFragment)
        /// The fragment that was just received, received again.
        public static let duplicateFragment = Code(value: .duplicateFragment)
        /// A new initial fragment before the open message had all its bytes: the open message is truncated.
        public static let interleavedMessage = Code(value: .interleavedMessage)
        /// A command byte this version of the protocol does not define.
        public static let unknownCommand = Code(value: .unknownCommand)
        /// A message whose body does not fit its command (a 3-byte APDU, a 7-byte credential version…).
        public static let invalidMessage = Code(value: .invalidMessage)
        /// A well-formed message that this side never receives, or not now (a card receiving an ATR, a response
        /// that does not answer the request).
        public static let unexpectedMessage = Code(value: .unexpectedMessage)
        /// The info characteristic's value is not the layout of docs/link-protocol.md.
        public static let invalidInfo = Code(value: .invalidInfo)
        /// The card and the station have no protocol version in common.
        public static let unsupportedVersion = Code(value: .unsupportedVersion)
        /// The ATT MTU is below 23, the minimum of every BLE link.
        public static let mtuTooSmall = Code(value: .mtuTooSmall)
        /// No answer, keepalive or next fragment came in time.
        public static let timeout = Code(value: .timeout)
        /// The link went down while a transaction was in flight: the card is gone, its answer with it.
        public static let cardRemoved = Code(value: .cardRemoved)
        /// The card was still working on an earlier request until the transaction's deadline.
        public static let busy = Code(value: .busy)
        /// The transaction was cancelled before its answer came.
        public static let cancelled = Code(value: .cancelled)
        /// The card answered with an ERROR message; `peerCode` says which.
        public static let rejectedByPeer = Code(value: .rejectedByPeer)
        /// The card does not know the station's static key: it must be paired first (`pivlink pair`).
        public static let notPaired = Code(value: .notPaired)
        /// The secure channel's handshake or a record failed (forged, replayed, reordered, truncated, out of
        /// keys, or a message in the clear where a record belongs): the connection can carry nothing more.
        public static let channelFailed = Code(value: .channelFailed)
        /// The card is not in pairing mode: start it with `pivlink-card pair` on the phone.
        public static let pairingClosed = Code(value: .pairingClosed)

        /// The ERROR code a card sends when it finds this error in the station's fragments or messages.
        public var wireCode: LinkErrorCode {
            switch value {
            case .truncatedFragment, .oversizeFragment, .messageTooLong: .invalidLength
            case .outOfOrderFragment, .duplicateFragment, .interleavedMessage: .invalidSequence
            case .unknownCommand, .unexpectedMessage: .invalidCommand
            case .invalidMessage: .invalidParameter
            case .timeout: .timeout
            case .busy: .busy
            case .cancelled: .cancelled
            case .notPaired: .notPaired
            case .channelFailed: .channelFailed
            case .pairingClosed: .pairingClosed
            case .invalidInfo, .unsupportedVersion, .mtuTooSmall, .cardRemoved, .rejectedByPeer: .other
            }
        }

        public var description: String {
            switch value {
            case .truncatedFragment: "truncatedFragment"
            case .oversizeFragment: "oversizeFragment"
            case .messageTooLong: "messageTooLong"
            case .outOfOrderFragment: "outOfOrderFragment"
            case .duplicateFragment: "duplicateFragment"
            case .interleavedMessage: "interleavedMessage"
            case .unknownCommand: "unknownCommand"
            case .invalidMessage: "invalidMessage"
            case .unexpectedMessage: "unexpectedMessage"
            case .invalidInfo: "invalidInfo"
            case .unsupportedVersion: "unsupportedVersion"
            case .mtuTooSmall: "mtuTooSmall"
            case .timeout: "timeout"
            case .cardRemoved: "cardRemoved"
            case .busy: "busy"
            case .cancelled: "cancelled"
            case .rejectedByPeer: "rejectedByPeer"
            case .notPaired: "notPaired"
            case .channelFailed: "channelFailed"
            case .pairingClosed: "pairingClosed"
            }
        }
    }

    public let code: Code
    public let detail: String
    /// The code of the card's ERROR message, for `.rejectedByPeer` (and for `.busy`, `.cancelled` and
    /// `.timeout` when the card reported them); nil when this side found the error itself.
    public let peerCode: LinkErrorCode?

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
        peerCode = nil
    }

    /// The error a station sees when the card answers a request with ERROR `peerCode`.
    public init(reportedByPeer peerCode: LinkErrorCode) {
        switch peerCode {
        case .busy:
            code = .busy
            detail = "the card is busy with another request"
        case .cancelled:
            code = .cancelled
            detail = "the card cancelled the request"
        case .timeout:
            code = .timeout
            detail = "the card timed out waiting for the rest of the request"
        case .notPaired:
            code = .notPaired
            detail = "the card does not know this station: pair them with `pivlink pair`"
        case .pairingClosed:
            code = .pairingClosed
            detail = "the card is not in pairing mode: run `pivlink-card pair` on the phone first"
        case .channelFailed, .handshakeRequired:
            code = .channelFailed
            detail = "the card closed the secure channel (\(peerCode)); the station reconnects"
        default:
            code = .rejectedByPeer
            detail = "the card rejected the request: \(peerCode)"
        }
        self.peerCode = peerCode
    }

    public var description: String { detail }
}
