import CardCrypto

/// The secret that `store-key.cred` seals: a 16-byte store identity followed by the 32-byte AES-256 key
/// that encrypts the `credential` file.
///
/// The identity also appears in clear in the credential header. Comparing the two tells "these files
/// belong to different stores" (an interrupted `create(force: true)`, or files restored from two
/// backups) apart from "the credential was modified", before anything is decrypted.
///
/// A class so that every copy of the handle shares one key buffer, wiped (best effort: Swift may have
/// made transient copies) when the last reference goes.
final class StoreKey {
    static let identityLength = 16
    static let keyLength = 32
    static let sealedLength = identityLength + keyLength

    let identity: [UInt8]
    private(set) var key: [UInt8]

    init(random: some RandomSource) {
        identity = random.bytes(Self.identityLength)
        key = random.bytes(Self.keyLength)
        // RandomSource promises exact lengths; a source that breaks that is a bug in this process.
        precondition(identity.count == Self.identityLength && key.count == Self.keyLength, "short RandomSource")
    }

    /// Reads what `unseal` returned; nil unless it is exactly identity ‖ key.
    init?(unsealed bytes: [UInt8]) {
        guard bytes.count == Self.sealedLength else { return nil }
        identity = Array(bytes[..<Self.identityLength])
        key = Array(bytes[Self.identityLength...])
    }

    deinit {
        secureWipe(&key)
    }

    /// identity ‖ key, the plaintext handed to the sealer; the caller wipes it after use.
    func sealedForm() -> [UInt8] {
        identity + key
    }
}
