/// One pairing as a store keeps it: the peer's static public key and the name people know it by.
public struct PairingRecord: Hashable, Sendable {
    public static let maximumNameByteCount = 64

    public let publicKey: PairingPublicKey
    /// 1…64 bytes of UTF-8 without control characters ("Anna's phone", "desk-42").
    public let name: String

    public init(publicKey: PairingPublicKey, name: String) throws(PairingError) {
        guard !name.isEmpty, name.utf8.count <= Self.maximumNameByteCount else {
            throw PairingError(.invalidName, "a pairing name has 1 to \(Self.maximumNameByteCount) bytes, got \(name.utf8.count)")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw PairingError(.invalidName, "a pairing name may not hold control characters")
        }
        self.publicKey = publicKey
        self.name = name
    }

    public var fingerprint: PairingFingerprint { publicKey.fingerprint }
}
