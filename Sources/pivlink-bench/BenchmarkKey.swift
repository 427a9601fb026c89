import APDU
import CardCrypto

/// A key made in the benchmark process and imported into the card, so that the card and the raw OpenSSL path
/// sign with the same key.
final class BenchmarkKey {
    let name: String
    let algorithm: AsymmetricAlgorithm
    let privateKey: PrivateKey
    /// The body of IMPORT ASYMMETRIC KEY: CRT values in tags 01…05 (RSA) or the scalar in tag 06 (EC). SECRET.
    private(set) var importData: [UInt8]

    init(name: String, algorithm: AsymmetricAlgorithm) throws {
        self.name = name
        self.algorithm = algorithm
        privateKey = try PrivateKey.generate(algorithm)
        var pkcs8 = try privateKey.pkcs8DER()
        defer { secureWipe(&pkcs8) }
        importData = try Self.importData(pkcs8: pkcs8, algorithm: algorithm)
    }

    deinit { secureWipe(&importData) }

    /// Reads PKCS#8 PrivateKeyInfo { version, algorithm, privateKey OCTET STRING }, whose octets hold PKCS#1
    /// RSAPrivateKey { version, n, e, d, p, q, dp, dq, qinv } or SEC 1 ECPrivateKey { version, scalar, … }.
    /// DER's tags here all fit BER-TLV's one-byte form, so the card's own TLV reader parses it.
    private static func importData(pkcs8: [UInt8], algorithm: AsymmetricAlgorithm) throws -> [UInt8] {
        let info = try DERReader.sequence(pkcs8)
        guard info.count >= 3, info[2].tag == 0x04 else {
            throw BenchError(.key, "CardCrypto's PKCS#8 encoding has no privateKey OCTET STRING")
        }
        let inner = try DERReader.sequence(info[2].value)
        if let modulusLength = algorithm.rsaModulusByteCount {
            guard inner.count == 9, inner.allSatisfy({ $0.tag == 0x02 }) else {
                throw BenchError(.key, "CardCrypto's RSA key is not a two-prime PKCS#1 RSAPrivateKey")
            }
            // p, q, dp, dq, qinv, each left-padded to half the modulus as yubico-piv-tool sends them.
            return try (4...8).enumerated().flatMap { index, field in
                TLV(UInt32(index + 1), try DERReader.unsigned(inner[field].value, length: modulusLength / 2)).encoded
            }
        }
        guard let fieldLength = algorithm.ecFieldByteCount, inner.count >= 2, inner[1].tag == 0x04 else {
            throw BenchError(.key, "CardCrypto's \(algorithm) key is not a SEC 1 ECPrivateKey")
        }
        return TLV(0x06, try DERReader.unsigned(inner[1].value, length: fieldLength)).encoded
    }
}
