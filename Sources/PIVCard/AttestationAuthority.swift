import CardCrypto
import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// Makes the certificates of YubiKey-style attestation: a self-signed certificate for the F9 key, created
/// with the credential, and for ATTEST (F9) a certificate over a generated key's public key, signed by F9 and
/// carrying Yubico's extensions (firmware 1.3.6.1.4.1.41482.3.3, serial .3.7, PIN/touch policy .3.8) so that
/// tools which read them work.
enum AttestationAuthority {
    private static let firmwareOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 41482, 3, 3]
    private static let serialOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 41482, 3, 7]
    private static let policyOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 41482, 3, 8]
    /// RFC 5280 §4.1.2.5: 99991231235959Z means "no well-defined expiration date".
    private static let noExpiry = Date(timeIntervalSince1970: 253_402_300_799)

    static func canSign(with algorithm: AsymmetricAlgorithm) -> Bool {
        switch algorithm {
        case .eccP256, .eccP384, .rsa2048, .rsa3072, .rsa4096: true
        case .ed25519, .x25519: false
        }
    }

    /// The self-signed certificate of a new attestation key.
    static func authorityCertificate(
        key: PrivateKey, serial: UInt32, now: Date, random: some RandomSource
    ) throws -> [UInt8] {
        let name = try DistinguishedName {
            OrganizationName("pivlink")
            CommonName("pivlink PIV Attestation CA \(serial)")
        }
        let signer = try signingKey(key)
        let certificate = try Certificate(
            version: .v3, serialNumber: serialNumber(random), publicKey: signer.publicKey,
            notValidBefore: validityStart(now), notValidAfter: noExpiry, issuer: name, subject: name,
            signatureAlgorithm: signatureAlgorithm(key.algorithm),
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true))
            },
            issuerPrivateKey: signer)
        return try der(certificate)
    }

    /// The ATTEST answer for `slot`: a certificate over its public key, issued by the attestation key.
    static func attest(
        _ slot: KeySlot, key slotKey: SlotKey, serial: UInt32, authorityKey: PrivateKey,
        authorityCertificate: [UInt8], now: Date, random: some RandomSource
    ) throws -> [UInt8] {
        let authority = try Certificate(derEncoded: authorityCertificate)
        let subject = try DistinguishedName { CommonName("pivlink PIV Attestation \(slot)") }
        let publicKey = try Certificate.PublicKey(derEncoded: try slotKey.publicKey.subjectPublicKeyInfoDER())
        var serialDER = DER.Serializer()
        try serialDER.serialize(Int(serial))
        let certificate = try Certificate(
            version: .v3, serialNumber: serialNumber(random), publicKey: publicKey,
            notValidBefore: validityStart(now), notValidAfter: authority.notValidAfter, issuer: authority.subject, subject: subject,
            signatureAlgorithm: signatureAlgorithm(authorityKey.algorithm),
            extensions: try Certificate.Extensions {
                Certificate.Extension(oid: firmwareOID, critical: false, value: PIVCard.firmwareVersion[...])
                Certificate.Extension(oid: serialOID, critical: false, value: serialDER.serializedBytes[...])
                Certificate.Extension(oid: policyOID, critical: false, value: [slotKey.pinPolicy.rawValue, 0x01][...])
            },
            issuerPrivateKey: try signingKey(authorityKey))
        return try der(certificate)
    }

    private static func signingKey(_ key: PrivateKey) throws -> Certificate.PrivateKey {
        var pkcs8 = try key.pkcs8DER()
        defer { secureWipe(&pkcs8) }
        switch key.algorithm {
        case .eccP256: return Certificate.PrivateKey(try P256.Signing.PrivateKey(derRepresentation: pkcs8))
        case .eccP384: return Certificate.PrivateKey(try P384.Signing.PrivateKey(derRepresentation: pkcs8))
        case .rsa2048, .rsa3072, .rsa4096:
            return Certificate.PrivateKey(try _RSA.Signing.PrivateKey(derRepresentation: pkcs8))
        case .ed25519, .x25519:
            throw CryptoError(.unsupported, "attestation keys are RSA or NIST EC")
        }
    }

    private static func signatureAlgorithm(_ algorithm: AsymmetricAlgorithm) -> Certificate.SignatureAlgorithm {
        switch algorithm {
        case .eccP384: .ecdsaWithSHA384
        case .eccP256, .ed25519, .x25519: .ecdsaWithSHA256
        case .rsa2048, .rsa3072, .rsa4096: .sha256WithRSAEncryption
        }
    }

    /// Certificates are valid from five minutes before `now`, in whole seconds: a verifier whose clock runs a
    /// little behind the device's, or one checking within the same second, must not see "not yet valid".
    static let clockSkewAllowance: TimeInterval = 300

    static func validityStart(_ now: Date) -> Date {
        Date(timeIntervalSince1970: (now.timeIntervalSince1970 - clockSkewAllowance).rounded(.down))
    }

    /// A positive 16-byte serial from the injected randomness.
    private static func serialNumber(_ random: some RandomSource) -> Certificate.SerialNumber {
        var bytes = random.bytes(16)
        bytes[0] = bytes[0] & 0x7F | 0x01
        return Certificate.SerialNumber(bytes: bytes[...])
    }

    private static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }
}
