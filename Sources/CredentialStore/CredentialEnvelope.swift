import CardCrypto

/// The byte layout of the `credential` file, format version 1:
///
///     offset  size  field
///          0     8  magic "PIVLINK\0"
///          8     2  format version, big-endian (1)
///         10     2  flags, big-endian (0: version 1 defines none)
///         12    16  store identity (see `StoreKey`)
///         28     …  SecretBox output: nonce(12) ‖ ciphertext ‖ tag(16)
///
/// The 28-byte header is the AEAD's additional data, so no header byte can change without the tag
/// failing. `parse` checks the magic and the version before anything else, so a file from a newer
/// format is refused by its version number and never decrypted or misread.
struct CredentialEnvelope {
    static let magic: [UInt8] = Array("PIVLINK".utf8) + [0]
    static let formatVersion: UInt16 = 1
    static let headerLength = 28
    private static let versionOffset = 8
    private static let flagsOffset = 10
    private static let identityOffset = 12
    /// nonce + tag around an empty plaintext.
    private static let minimumBoxLength = 12 + 16

    static let minimumLength = headerLength + minimumBoxLength

    let header: [UInt8]
    let box: [UInt8]

    var identity: [UInt8] { Array(header[Self.identityOffset..<Self.headerLength]) }

    /// Encrypts `payload` under `storeKey` into the complete file contents.
    static func seal(_ payload: [UInt8], with storeKey: StoreKey, random: some RandomSource) throws -> [UInt8] {
        let header = magic + bigEndian(formatVersion) + bigEndian(0) + storeKey.identity
        do {
            return header + (try SecretBox.seal(payload, key: storeKey.key, authenticating: header, random: random))
        } catch {
            throw CredentialStoreError(
                .encryptionFailed,
                "cannot encrypt the credential (\(error)): the crypto library is broken; reinstall pivlink-card"
            )
        }
    }

    /// Splits the file into header and box after checking everything that can be checked without a key.
    /// `file` names the file in error messages.
    init(parsing bytes: [UInt8], file: String) throws {
        let redo = "restore it from a backup or re-create the store with --force"
        let magicPrefix = min(bytes.count, Self.magic.count)
        guard bytes[..<magicPrefix].elementsEqual(Self.magic[..<magicPrefix]) else {
            throw CredentialStoreError(.corrupt, "\(file) is not a pivlink credential file (wrong magic): \(redo)")
        }
        guard bytes.count >= Self.flagsOffset + 2 else {
            throw CredentialStoreError(.corrupt, "\(file) is truncated (\(bytes.count) bytes): \(redo)")
        }
        let version = Self.readBigEndian(bytes, at: Self.versionOffset)
        guard version <= Self.formatVersion else {
            throw CredentialStoreError(
                .newerFormat,
                "\(file) was written by a newer pivlink-card (store format \(version), this build reads up to "
                    + "\(Self.formatVersion)): upgrade pivlink-card"
            )
        }
        guard version != 0 else {
            throw CredentialStoreError(.corrupt, "\(file) has invalid store format version 0: \(redo)")
        }
        let flags = Self.readBigEndian(bytes, at: Self.flagsOffset)
        guard flags == 0 else {
            throw CredentialStoreError(.corrupt, "\(file) has unknown flags 0x\(String(flags, radix: 16)): \(redo)")
        }
        guard bytes.count >= Self.minimumLength else {
            throw CredentialStoreError(.corrupt, "\(file) is truncated (\(bytes.count) bytes): \(redo)")
        }
        header = Array(bytes[..<Self.headerLength])
        box = Array(bytes[Self.headerLength...])
    }

    /// Decrypts the payload; any failure means the file is not what was written with this key.
    func open(with storeKey: StoreKey, file: String) throws -> [UInt8] {
        do {
            return try SecretBox.open(box, key: storeKey.key, authenticating: header)
        } catch {
            throw CredentialStoreError(
                .tampered,
                "\(file) failed authentication (it was modified or corrupted): restore it from a backup or "
                    + "re-create the store with --force"
            )
        }
    }

    private static func bigEndian(_ value: UInt16) -> [UInt8] {
        [UInt8(value >> 8), UInt8(value & 0xFF)]
    }

    private static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }
}
