/// The one error type of the VPCD module. Tests compare `code`; `detail` is a human explanation.
public struct VPCDError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case zeroLengthMessage
            case unexpectedMessage
            case emptyPayload
            case payloadTooLong
            case invalidATR
        }

        private let value: Value

        /// The peer sent a frame with length 0. vpcd never does (it treats a 0-length reply as fatal and
        /// ejects the card); the stream is not vpcd's.
        public static let zeroLengthMessage = Code(value: .zeroLengthMessage)
        /// The peer sent a message while its APDU was still unanswered. vpcd holds its I/O lock from sending
        /// an APDU until the reply arrives, so it never does this.
        public static let unexpectedMessage = Code(value: .unexpectedMessage)
        /// We were asked to encode an empty payload, which vpcd would take as an error and eject the card.
        public static let emptyPayload = Code(value: .emptyPayload)
        /// We were asked to encode more than 0xFFFF bytes, which the u16 length cannot carry.
        public static let payloadTooLong = Code(value: .payloadTooLong)
        /// The ATR is not 2 to 33 bytes (TS, T0 at least; vpcd's `MAX_ATR_SIZE` at most).
        public static let invalidATR = Code(value: .invalidATR)

        public var description: String {
            switch value {
            case .zeroLengthMessage: "zeroLengthMessage"
            case .unexpectedMessage: "unexpectedMessage"
            case .emptyPayload: "emptyPayload"
            case .payloadTooLong: "payloadTooLong"
            case .invalidATR: "invalidATR"
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
