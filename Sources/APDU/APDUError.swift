/// Why bytes could not be read as an APDU or a BER-TLV structure.
///
/// These are parse failures of peer input; the card turns them into ISO status words, never into crashes.
public struct APDUError: Error, Equatable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case tooShort, lengthMismatch, zeroExtendedLc
            case truncatedTag, tagTooLong, truncatedLength, unsupportedLength, truncatedValue, tooDeep
        }
        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// Fewer than the four header bytes, or an R-APDU without its two status bytes.
        public static let tooShort = Code(.tooShort)
        /// Lc/Le do not add up to the number of bytes received.
        public static let lengthMismatch = Code(.lengthMismatch)
        /// An extended-length Lc of zero, which ISO 7816-4 forbids.
        public static let zeroExtendedLc = Code(.zeroExtendedLc)
        public static let truncatedTag = Code(.truncatedTag)
        /// Tags longer than three bytes: PIV uses at most three (5FC105).
        public static let tagTooLong = Code(.tagTooLong)
        public static let truncatedLength = Code(.truncatedLength)
        /// Indefinite length (80) or a length of more than three bytes.
        public static let unsupportedLength = Code(.unsupportedLength)
        public static let truncatedValue = Code(.truncatedValue)
        /// Nesting deeper than the parser's cap.
        public static let tooDeep = Code(.tooDeep)

        public var description: String { "\(value)" }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
