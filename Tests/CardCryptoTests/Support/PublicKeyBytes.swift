import CardCrypto

/// Direct access to the bytes of one case, for tests (`try #require(key.publicKey.ecPoint)`).
extension PublicKey {
    var ecPoint: [UInt8]? {
        switch self {
        case .ecP256(let point), .ecP384(let point): point
        case .rsa, .ed25519, .x25519: nil
        }
    }

    var raw25519: [UInt8]? {
        switch self {
        case .ed25519(let raw), .x25519(let raw): raw
        case .rsa, .ecP256, .ecP384: nil
        }
    }

    var rsaModulus: [UInt8]? {
        switch self {
        case .rsa(let modulus, _): modulus
        case .ecP256, .ecP384, .ed25519, .x25519: nil
        }
    }
}
