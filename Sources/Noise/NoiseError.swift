/// The one error type of the Noise module. Tests compare `code`; `detail` is a human explanation.
///
/// Every error the peer can cause ends the handshake or the channel: Noise gives no way to resynchronise after a
/// message fails to authenticate, and pivlink does not try (the link reconnects and runs a new handshake).
public struct NoiseError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case decryptionFailed
            case truncated
            case messageTooLong
            case lowOrderPoint
            case nonceExhausted
            case unexpectedMessage
            case malformedRecord
            case rekeyOverdue
            case channelClosed
        }

        private let value: Value

        /// A ciphertext failed to authenticate: forged, altered, replayed, reordered, or sealed under another key
        /// (a handshake message 1 encrypted to a different responder static key fails here).
        public static let decryptionFailed = Code(value: .decryptionFailed)
        /// A handshake message or record shorter than its fixed parts (keys, tags, header).
        public static let truncated = Code(value: .truncated)
        /// A message over Noise's 65535-byte limit, or a payload that would make one.
        public static let messageTooLong = Code(value: .messageTooLong)
        /// A Diffie-Hellman result of all zeros: the peer sent a public key of small order.
        public static let lowOrderPoint = Code(value: .lowOrderPoint)
        /// The nonce reached 2^64−1, which Noise reserves: this key may encrypt nothing more.
        public static let nonceExhausted = Code(value: .nonceExhausted)
        /// A handshake message when it is the other side's turn, or after the handshake ended.
        public static let unexpectedMessage = Code(value: .unexpectedMessage)
        /// A record whose header byte has a bit that SecureChannel does not define.
        public static let malformedRecord = Code(value: .malformedRecord)
        /// A peer kept one key for more records than the channel's rekey interval allows.
        public static let rekeyOverdue = Code(value: .rekeyOverdue)
        /// The channel failed earlier and is dead; nothing more is sealed or opened.
        public static let channelClosed = Code(value: .channelClosed)

        public var description: String {
            switch value {
            case .decryptionFailed: "decryptionFailed"
            case .truncated: "truncated"
            case .messageTooLong: "messageTooLong"
            case .lowOrderPoint: "lowOrderPoint"
            case .nonceExhausted: "nonceExhausted"
            case .unexpectedMessage: "unexpectedMessage"
            case .malformedRecord: "malformedRecord"
            case .rekeyOverdue: "rekeyOverdue"
            case .channelClosed: "channelClosed"
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
