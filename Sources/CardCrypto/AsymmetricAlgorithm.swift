import COpenSSL

/// PIV / YubiKey 5.7 algorithm identifiers (SP 800-78 table values and Yubico's 25519 extensions).
public enum AsymmetricAlgorithm: UInt8, Sendable, Codable, CaseIterable {
    case rsa2048 = 0x07
    case rsa3072 = 0x05
    case rsa4096 = 0x16
    case eccP256 = 0x11
    case eccP384 = 0x14
    case ed25519 = 0xE0
    case x25519 = 0xE1

    public var isRSA: Bool { rsaModulusByteCount != nil }

    /// 256, 384 or 512 for the RSA sizes; nil otherwise.
    public var rsaModulusByteCount: Int? {
        switch self {
        case .rsa2048: 256
        case .rsa3072: 384
        case .rsa4096: 512
        case .eccP256, .eccP384, .ed25519, .x25519: nil
        }
    }

    /// 32 for P-256, 48 for P-384; nil otherwise.
    public var ecFieldByteCount: Int? {
        switch self {
        case .eccP256: 32
        case .eccP384: 48
        case .rsa2048, .rsa3072, .rsa4096, .ed25519, .x25519: nil
        }
    }

    var keyKind: pivlink_key_kind {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: .rsa
        case .eccP256: .p256
        case .eccP384: .p384
        case .ed25519: .ed25519
        case .x25519: .x25519
        }
    }

    /// Maps OpenSSL's description of a key; nil for an RSA modulus size PIV does not use.
    init?(kind: pivlink_key_kind, bits: Int) {
        switch kind {
        case .rsa:
            guard let size = Self.allCases.first(where: { $0.rsaModulusByteCount.map { $0 * 8 } == bits }) else {
                return nil
            }
            self = size
        case .p256: self = .eccP256
        case .p384: self = .eccP384
        case .ed25519: self = .ed25519
        case .x25519: self = .x25519
        }
    }
}
