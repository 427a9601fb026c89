import COpenSSL

/// PIV management-key (9B) algorithms, with their SP 800-78 identifiers.
public enum SymmetricAlgorithm: UInt8, Sendable, Codable, CaseIterable {
    case tripleDES = 0x03
    case aes128 = 0x08
    case aes192 = 0x0A
    case aes256 = 0x0C

    /// 24, 16, 24, 32.
    public var keyByteCount: Int {
        switch self {
        case .tripleDES: 24
        case .aes128: 16
        case .aes192: 24
        case .aes256: 32
        }
    }

    /// 8 for 3DES, 16 for AES: the size of the challenge and witness.
    public var blockByteCount: Int {
        switch self {
        case .tripleDES: 8
        case .aes128, .aes192, .aes256: 16
        }
    }

    var ecbCipher: pivlink_cipher {
        switch self {
        case .tripleDES: .desEde3Ecb
        case .aes128: .aes128Ecb
        case .aes192: .aes192Ecb
        case .aes256: .aes256Ecb
        }
    }
}
