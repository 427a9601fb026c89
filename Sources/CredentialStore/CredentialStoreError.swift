/// Why the credential store could not be created, opened or written.
///
/// `description` is the one line shown to the user: what is wrong and what to do about it. Tests and
/// callers branch on `code`, never on the text.
public struct CredentialStoreError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Sendable {
            case notFound, missingFile, alreadyExists, locked, readOnly, unsafeFile, newerFormat
            case corrupt, tampered, keyMismatch, sealFailed, unsealFailed, encryptionFailed, payloadTooLarge, io
        }

        private let value: Value

        private init(_ value: Value) {
            self.value = value
        }

        /// There is no store at the path: the directory or its `credential` file does not exist.
        public static let notFound = Code(.notFound)
        /// The store's `credential` file exists but its `store-key.cred` does not.
        public static let missingFile = Code(.missingFile)
        /// `create` without `force` found a store at the path.
        public static let alreadyExists = Code(.alreadyExists)
        /// Another handle (in this or another process) holds the store open read-write.
        public static let locked = Code(.locked)
        /// `write` was called on a handle opened `.readOnly`.
        public static let readOnly = Code(.readOnly)
        /// A store file is a symbolic link or not a regular file; it is never followed.
        public static let unsafeFile = Code(.unsafeFile)
        /// The store was written in a format version this build does not read.
        public static let newerFormat = Code(.newerFormat)
        /// A store file is structurally invalid: wrong magic, truncated, oversized, unknown flags.
        public static let corrupt = Code(.corrupt)
        /// The credential failed authentication: its bytes were changed after they were written.
        public static let tampered = Code(.tampered)
        /// `store-key.cred` and `credential` come from two different stores.
        public static let keyMismatch = Code(.keyMismatch)
        /// The store key could not be sealed to this machine.
        public static let sealFailed = Code(.sealFailed)
        /// The store key could not be unsealed: another machine's store, or the host secret changed.
        public static let unsealFailed = Code(.unsealFailed)
        /// The AEAD refused to encrypt (a broken crypto library, not a bad store).
        public static let encryptionFailed = Code(.encryptionFailed)
        /// The payload exceeds `CredentialDirectory.maximumPayloadLength`.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// A file-system call failed (permissions, disk full, I/O error).
        public static let io = Code(.io)

        public var description: String { value.rawValue }
    }

    public let code: Code
    /// One line: what is wrong and what to do.
    public let detail: String
    public let fileID: String
    public let line: Int

    init(_ code: Code, _ detail: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        // Details can quote a child process's stderr; keep the promise of a single line.
        self.detail = detail.split(whereSeparator: \.isNewline).joined(separator: " ")
        self.fileID = fileID
        self.line = line
    }

    public var description: String { detail }

    public var debugDescription: String { "CredentialStoreError.\(code) at \(fileID):\(line): \(detail)" }
}
