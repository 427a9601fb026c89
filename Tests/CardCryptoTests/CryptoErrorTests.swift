import CardCrypto
import Testing

@Suite struct CryptoErrorTests {
    @Test func descriptionNamesCodeAndDetail() {
        let error = CryptoError(.authenticationFailed, "box altered")
        #expect(error.description == "authenticationFailed: box altered")
        #expect(error.code == .authenticationFailed)
        #expect(error.code != .backend)
    }

    /// Details from OpenSSL failures carry OpenSSL's reason text after the operation name.
    @Test func backendFailuresCarryOpenSSLReason() {
        let error = #expect(throws: CryptoError.self) {
            try PublicKey(subjectPublicKeyInfoDER: [0x30, 0x03, 0x02, 0x01, 0x00])
        }
        #expect(error?.detail.hasPrefix("parsing SubjectPublicKeyInfo: error:") == true)
    }
}
