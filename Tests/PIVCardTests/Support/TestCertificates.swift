import APDU
import CardCrypto
import Crypto
import Foundation
import PivlinkTesting
import SwiftASN1
import X509

/// Certificates for keys the card holds, issued by a throwaway test CA: the card needs a certificate object
/// beside each key (OpenSC hides keys without one), but never checks what is in it.
enum TestCertificates {
    /// A DER certificate over `publicKey` whose subject's common name is `commonName`.
    static func certificate(for publicKey: CardCrypto.PublicKey, commonName: String) throws -> [UInt8] {
        let issuerKey = P256.Signing.PrivateKey()
        let issuer = try DistinguishedName { CommonName("pivlink test CA") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: try Certificate.PublicKey(derEncoded: try publicKey.subjectPublicKeyInfoDER()),
            notValidBefore: CardHarness.wallClock, notValidAfter: CardHarness.wallClock + 365 * 86_400,
            issuer: issuer, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(issuerKey))
        return try der(certificate)
    }

    /// The certificate object PIV keeps: 70 certificate, 71 CertInfo 00, FE.
    static func object(_ der: [UInt8]) -> [UInt8] {
        TLV(0x70, der).encoded + hex("71 01 00 FE 00")
    }

    private static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
