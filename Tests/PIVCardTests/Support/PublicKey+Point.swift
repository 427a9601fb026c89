import CardCrypto

extension PublicKey {
    /// The uncompressed point of a P-256 or P-384 key; empty for other keys.
    var ecPoint: [UInt8] {
        switch self {
        case .ecP256(let point), .ecP384(let point): point
        case .rsa, .ed25519, .x25519: []
        }
    }
}
