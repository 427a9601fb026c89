/// The one error type of CardCrypto. `detail` explains the failure in words and never carries key
/// material or other secret bytes; callers branch on `code`.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case invalidKey, invalidInput, unsupported, authenticationFailed, backend
        }

        private let kind: Kind

        /// Key bytes that are malformed, inconsistent, of the wrong algorithm or the wrong length.
        public static let invalidKey = Code(kind: .invalidKey)
        /// Data to operate on that is malformed or out of range (length, value >= modulus, off-curve point).
        public static let invalidInput = Code(kind: .invalidInput)
        /// An operation the key's algorithm does not offer, or an algorithm/size PIV does not use.
        public static let unsupported = Code(kind: .unsupported)
        /// Sealed data that does not open: wrong key, wrong associated data or tampered bytes.
        public static let authenticationFailed = Code(kind: .authenticationFailed)
        /// The cryptographic library failed for a reason that is not the caller's input.
        public static let backend = Code(kind: .backend)

        public var description: String { kind.rawValue }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code): \(detail)" }
}
