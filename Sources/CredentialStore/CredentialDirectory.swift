import CardCrypto
import Glibc

/// One credential on disk: an opaque payload (the card layer serializes its own state into it),
/// encrypted under a store key that is sealed to this machine.
///
/// Layout of the directory (mode 0700; files 0600):
///
/// - `store-key.cred`: the store identity and key (`StoreKey`) sealed by a `StoreKeySealer`; in
///   production a `systemd-creds` blob, so the unit can pass it with `LoadCredentialEncrypted=`.
/// - `credential`: the payload sealed with AES-256-GCM under the store key, behind a versioned
///   header (`CredentialEnvelope`). The format version is checked before anything is decrypted.
/// - `lock`: `flock`ed by the one read-write handle (`WriterLock`); read-only handles do not lock.
/// - `<file>.new`: a replacement being written. A writer that died leaves one behind; it is never read,
///   and the next read-write handle removes it.
///
/// Every change is atomic and durable before the call returns: the new file is written beside the old
/// one, fsynced, renamed over it, and the directory is fsynced. That is what lets callers keep retry
/// counters in the payload (decrement, `write`, and only then check the PIN).
///
/// `create(force: true)` writes both new files before renaming either, and renames `store-key.cred`
/// first: the `credential` file is what makes a store exist, so an interrupted first `create` leaves no
/// store. An interrupted re-creation can leave a new key beside the old credential; the store identity
/// in both files exposes that as `.keyMismatch` rather than as tampering. A read-only handle opened
/// while another process re-creates the store can see the same mix for that moment.
///
/// Nothing is ever repaired by overwriting: a corrupt, tampered or foreign store is reported and left
/// as it is.
///
/// The store key stays in memory only inside this object and is wiped when it is released (best
/// effort: Swift may have made transient copies), as is the decrypted payload.
public final class CredentialDirectory {
    public enum Access: Sendable {
        case readOnly
        case readWrite
    }

    public static let defaultPath = "/var/lib/pivlink-card"
    /// The newest store format this build reads and the one it writes.
    public static let formatVersion: UInt16 = CredentialEnvelope.formatVersion
    /// The largest payload `create` and `write` accept, and so the largest `open` will ever need to read.
    public static let maximumPayloadLength = 4 << 20

    static let credentialFileName = "credential"
    static let keyFileName = "store-key.cred"
    static let lockFileName = "lock"
    /// systemd-creds blobs are a few hundred bytes (host key) to about 1.5 KiB (with a TPM2 policy).
    private static let keyFileLimit = 16_384
    private static let redo = "restore it from a backup or re-create the store with --force"

    public let path: String
    public let access: Access
    /// The decrypted payload as of `open` or the last successful `write`.
    public private(set) var payload: [UInt8]

    private let directory: DirectoryHandle
    private let writerLock: WriterLock?
    private let storeKey: StoreKey
    private let random: any RandomSource

    private init(
        directory: DirectoryHandle,
        writerLock: WriterLock?,
        storeKey: StoreKey,
        payload: [UInt8],
        random: any RandomSource
    ) {
        self.path = directory.path
        self.access = writerLock == nil ? .readOnly : .readWrite
        self.directory = directory
        self.writerLock = writerLock
        self.storeKey = storeKey
        self.payload = payload
        self.random = random
    }

    deinit {
        secureWipe(&payload)
    }

    /// Whether a store is present at `path`, complete or not (its `credential` file exists). False
    /// also when the directory cannot be read.
    public static func exists(at path: String) -> Bool {
        guard let directory = try? DirectoryHandle.open(path) else { return false }
        return (try? directory.contains(credentialFileName)) ?? false
    }

    /// Creates a store at `path` holding `payload`, with a fresh store key sealed by `sealer`, and
    /// returns a read-write handle on it. The directory is created if missing (its parent must exist).
    /// An existing store is refused unless `force`, in which case it is replaced and its credential is
    /// lost; a store held open read-write elsewhere is refused either way.
    public static func create(
        at path: String,
        payload: [UInt8],
        force: Bool,
        sealer: some StoreKeySealer,
        random: some RandomSource
    ) throws -> CredentialDirectory {
        try checkLength(of: payload)
        let directory = try DirectoryHandle.openCreatingPrivate(path)
        let writerLock = try WriterLock(lockFileName, in: directory)
        try directory.discardStaged([keyFileName, credentialFileName])
        if try directory.contains(credentialFileName), !force {
            throw CredentialStoreError(
                .alreadyExists,
                "a credential store already exists at \(path): pass --force to replace it (its credential is lost)"
            )
        }

        let storeKey = StoreKey(random: random)
        let keyBlob = try seal(storeKey, with: sealer, path: path)
        let envelope = try CredentialEnvelope.seal(payload, with: storeKey, random: random)
        do {
            try directory.stage(keyFileName, contents: keyBlob)
            try directory.stage(credentialFileName, contents: envelope)
        } catch {
            try? directory.discardStaged([keyFileName, credentialFileName])
            throw error
        }
        try directory.commit(keyFileName)
        try directory.commit(credentialFileName)
        try directory.sync()
        return CredentialDirectory(
            directory: directory,
            writerLock: writerLock,
            storeKey: storeKey,
            payload: payload,
            random: random
        )
    }

    /// Opens the store at `path` and decrypts its payload. `.readWrite` holds the store's lock until the
    /// handle is released and refuses if another handle holds it; `.readOnly` never locks. `random`
    /// supplies the nonces of later `write`s.
    public static func open(
        at path: String,
        access: Access,
        sealer: some StoreKeySealer,
        random: some RandomSource = SystemRandom()
    ) throws -> CredentialDirectory {
        let notFound = CredentialStoreError(
            .notFound,
            "no credential store at \(path): create one first, or point --store at an existing store"
        )
        // Checked before locking, so a mistyped path does not get a lock file created in it.
        guard let directory = try DirectoryHandle.open(path), try directory.contains(credentialFileName) else {
            throw notFound
        }
        let writerLock: WriterLock?
        switch access {
        case .readOnly:
            writerLock = nil
        case .readWrite:
            writerLock = try WriterLock(lockFileName, in: directory)
            try directory.discardStaged([keyFileName, credentialFileName])
        }

        let credentialPath = directory.pathOf(credentialFileName)
        let keyPath = directory.pathOf(keyFileName)
        guard
            let credentialBytes = try directory.read(
                credentialFileName,
                limit: CredentialEnvelope.minimumLength + maximumPayloadLength
            )
        else {
            throw notFound
        }
        let envelope = try CredentialEnvelope(parsing: credentialBytes, file: credentialPath)
        guard let keyBlob = try directory.read(keyFileName, limit: keyFileLimit) else {
            throw CredentialStoreError(
                .missingFile,
                "\(keyPath) is missing, so \(credentialPath) cannot be decrypted: \(redo)"
            )
        }
        let storeKey = try unseal(keyBlob, with: sealer, path: keyPath)
        guard storeKey.identity == envelope.identity else {
            throw CredentialStoreError(
                .keyMismatch,
                "\(keyPath) and \(credentialPath) belong to different stores (an interrupted re-creation, "
                    + "or files from two backups): restore both from one backup or re-create the store with --force"
            )
        }
        let payload = try envelope.open(with: storeKey, file: credentialPath)
        return CredentialDirectory(
            directory: directory,
            writerLock: writerLock,
            storeKey: storeKey,
            payload: payload,
            random: random
        )
    }

    /// Replaces the payload. When this returns, the new payload is on disk and survives a crash; if it
    /// throws, the store still holds the previous payload (or, if only the final directory flush
    /// failed, possibly the new one) and `payload` is unchanged.
    public func write(_ payload: [UInt8]) throws {
        guard writerLock != nil else {
            throw CredentialStoreError(
                .readOnly,
                "credential store \(path) was opened read-only and cannot be written: open it read-write"
            )
        }
        try Self.checkLength(of: payload)
        // Swift opens the existential for the generic call only from a local, not from the stored property.
        let random = self.random
        let envelope = try CredentialEnvelope.seal(payload, with: storeKey, random: random)
        try directory.stage(Self.credentialFileName, contents: envelope)
        try directory.commit(Self.credentialFileName)
        try directory.sync()
        secureWipe(&self.payload)
        self.payload = payload
    }

    private static func checkLength(of payload: [UInt8]) throws {
        guard payload.count <= maximumPayloadLength else {
            throw CredentialStoreError(
                .payloadTooLarge,
                "the credential (\(payload.count) bytes) exceeds the store's limit of \(maximumPayloadLength) "
                    + "bytes: remove objects from the card"
            )
        }
    }

    private static func seal(_ storeKey: StoreKey, with sealer: some StoreKeySealer, path: String) throws -> [UInt8] {
        var plaintext = storeKey.sealedForm()
        defer { secureWipe(&plaintext) }
        do {
            return try sealer.seal(plaintext)
        } catch {
            throw CredentialStoreError(
                .sealFailed,
                "cannot seal the store key of \(path) to this machine (\(error)): check that "
                    + "`systemd-creds encrypt` works here"
            )
        }
    }

    private static func unseal(_ blob: [UInt8], with sealer: some StoreKeySealer, path: String) throws -> StoreKey {
        var plaintext: [UInt8]
        do {
            plaintext = try sealer.unseal(blob)
        } catch {
            throw CredentialStoreError(
                .unsealFailed,
                "cannot unseal \(path) on this machine (\(error)): the store belongs to another machine or this "
                    + "machine's credential secret changed; re-create it with --force"
            )
        }
        defer { secureWipe(&plaintext) }
        guard let storeKey = StoreKey(unsealed: plaintext) else {
            throw CredentialStoreError(.corrupt, "\(path) does not hold a pivlink store key: \(redo)")
        }
        return storeKey
    }
}
