import APDU
import CardCrypto
import PIVCard
import SwiftASN1
import Testing
import X509

/// YubiKey ATTEST (F9): a certificate over a generated key, issued by the attestation key F9 whose certificate is
/// the object 5FFF01.
@Suite("ATTEST")
struct AttestationTests {
    private static let firmwareOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 41482, 3, 3]
    private static let policyOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 41482, 3, 8]

    @Test("YubiKey F9: the certificate carries the slot's key and verifies with the 5FFF01 certificate's key",
          arguments: [AsymmetricAlgorithm.eccP256, .eccP384, .rsa2048, .ed25519])
    func attest(algorithm: AsymmetricAlgorithm) throws {
        let harness = try CardHarness(seed: "attest \(algorithm)")
        try harness.authenticate()
        let publicKey = try harness.generate(algorithm, in: 0x9C)
        harness.card.endSession()

        let answer = harness.exchange(CommandAPDU(ins: 0xF9, p1: 0x9C, p2: 0x00, le: 256))
        #expect(answer.status == .success)
        let certificate = try Certificate(derEncoded: answer.data)
        let authority = try Self.authority(harness)

        #expect(certificate.issuer == authority.subject)
        #expect(authority.publicKey.isValidSignature(certificate.signature, for: certificate))
        #expect(certificate.publicKey == (try Certificate.PublicKey(derEncoded: try publicKey.subjectPublicKeyInfoDER())))
        #expect(certificate.extensions.first { $0.oid == Self.firmwareOID }?.value == [5, 7, 0][...])
        #expect(certificate.extensions.first { $0.oid == Self.policyOID }?.value == [0x03, 0x01][...],
                "9C: PIN always, touch never")
    }

    @Test("YubiKey F9: the attestation certificate 5FFF01 is a self-signed CA certificate for the F9 key")
    func authorityCertificate() throws {
        let harness = try CardHarness()
        let authority = try Self.authority(harness)
        #expect(authority.issuer == authority.subject)
        #expect(authority.publicKey.isValidSignature(authority.signature, for: authority))
        let f9 = try #require(harness.state.keys[.attestation])
        #expect(authority.publicKey == (try Certificate.PublicKey(derEncoded: try f9.publicKey.subjectPublicKeyInfoDER())))
        let constraints = try #require(try authority.extensions.basicConstraints)
        #expect(constraints == .isCertificateAuthority(maxPathLength: 0))
    }

    @Test("Both certificates are valid from five minutes before the card's clock, in whole seconds, so that a verifier checking at once (or a little behind) accepts them")
    func validityStartsBeforeNow() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        _ = try harness.generate(.eccP256, in: 0x9A)
        let attested = try Certificate(derEncoded: harness.exchange(CommandAPDU(ins: 0xF9, p1: 0x9A, p2: 0x00, le: 256)).data)
        let expected = CardHarness.wallClock.addingTimeInterval(-300)
        #expect(attested.notValidBefore == expected)
        #expect(try Self.authority(harness).notValidBefore == expected)
    }

    @Test("YubiKey F9: imported keys and X25519 keys cannot be attested (6A80)")
    func refusals() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let imported = try PrivateKey.generate(.eccP256)
        let data = try ImportComponents.items(for: imported).flatMap(\.encoded)
        #expect(harness.send(CommandAPDU(ins: 0xFE, p1: 0x11, p2: 0x9A, data: data)).status == .success)
        _ = try harness.generate(.x25519, in: 0x9D)
        try harness.run([
            .inject("00 F9 9A 00 00"), .expect("6A 80"),
            .inject("00 F9 9D 00 00"), .expect("6A 80"),
        ])
    }

    @Test("YubiKey F9: an empty slot answers 6A88; F9 itself, non-slots and P2 other than 00 answer 6A86")
    func references() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 F9 9A 00 00"), .expect("6A 88"),
            .inject("00 F9 F9 00 00"), .expect("6A 86"),
            .inject("00 F9 9B 00 00"), .expect("6A 86"),
            .inject("00 F9 9A 01 00"), .expect("6A 86"),
        ])
    }

    @Test("YubiKey F9: without the attestation certificate ATTEST answers 6985")
    func withoutAuthorityCertificate() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        _ = try harness.generate(.eccP256, in: 0x9A)
        #expect(harness.putData(0x5FFF01, []) == .success)
        try harness.run([.inject("00 F9 9A 00 00"), .expect("69 85")])
    }

    private static func authority(_ harness: CardHarness) throws -> Certificate {
        let object = harness.getData(0x5FFF01)
        #expect(object.status == .success)
        let der = try #require(try TLV.parseSequence(object.data).first(0x53)?.children().first(0x70)?.value)
        return try Certificate(derEncoded: der)
    }
}
