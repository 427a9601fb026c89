import APDU
import CardCrypto
import SwiftASN1

/// The TLVs of YubiKey IMPORT ASYMMETRIC KEY (FE) for a CardCrypto key, read from its PKCS#8 encoding:
/// RSA CRT values 01…05 (RFC 8017 RSAPrivateKey), the EC scalar 06 (RFC 5915 ECPrivateKey), or the raw 25519
/// key 07/08 (RFC 8410 CurvePrivateKey).
enum ImportComponents {
    struct Malformed: Error {}

    static func items(for key: PrivateKey) throws -> [TLV] {
        let info = try children(DER.parse(try key.pkcs8DER()))
        guard info.count >= 3 else { throw Malformed() }
        let privateKey = try primitive(info[2])
        switch key.algorithm {
        case .rsa2048, .rsa3072, .rsa4096:
            // version, n, e, d, p, q, dp, dq, qinv
            let values = try children(DER.parse(privateKey)).map { try unsigned(primitive($0)) }
            guard values.count >= 9 else { throw Malformed() }
            return (1...5).map { TLV(UInt32($0), values[3 + $0]) }
        case .eccP256, .eccP384:
            let ecPrivateKey = try children(DER.parse(privateKey))
            guard ecPrivateKey.count >= 2 else { throw Malformed() }
            return [TLV(0x06, try primitive(ecPrivateKey[1]))]
        case .ed25519, .x25519:
            let raw = try primitive(DER.parse(privateKey))
            return [TLV(key.algorithm == .ed25519 ? 0x07 : 0x08, raw)]
        }
    }

    private static func children(_ node: ASN1Node) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else { throw Malformed() }
        return Array(nodes)
    }

    private static func primitive(_ node: ASN1Node) throws -> [UInt8] {
        guard case .primitive(let bytes) = node.content else { throw Malformed() }
        return Array(bytes)
    }

    /// A non-negative INTEGER without its sign byte.
    private static func unsigned(_ bytes: [UInt8]) -> [UInt8] {
        bytes.count > 1 && bytes[0] == 0 ? Array(bytes.dropFirst()) : bytes
    }
}
