import APDU
import CardCrypto

/// Public keys as PIV data objects encode them (pt2 Table 9): RSA as 81 modulus and 82 exponent, EC points and
/// YubiKey's 25519 keys as 86.
enum PublicKeyEncoding {
    static func items(_ key: PublicKey) -> [TLV] {
        switch key {
        case .rsa(let modulus, let exponent): [TLV(0x81, modulus), TLV(0x82, exponent)]
        case .ecP256(let point), .ecP384(let point): [TLV(0x86, point)]
        case .ed25519(let raw), .x25519(let raw): [TLV(0x86, raw)]
        }
    }

    /// GENERATE ASYMMETRIC KEY PAIR's answer, in the 7F49 template OpenSC requires.
    static func template(_ key: PublicKey) -> [UInt8] {
        TLV(0x7F49, children: items(key)).encoded
    }
}
