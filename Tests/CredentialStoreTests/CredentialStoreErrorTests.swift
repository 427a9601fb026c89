import Testing

@testable import CredentialStore

@Suite struct CredentialStoreErrorTests {
    @Test func theDescriptionIsOneLineEvenWhenTheDetailIsNot() {
        let error = CredentialStoreError(.unsealFailed, "systemd-creds decrypt failed: first\nsecond\r\nthird")
        #expect(error.description == "systemd-creds decrypt failed: first second third")
        #expect(error.detail == error.description)
    }

    @Test func theDebugDescriptionNamesTheCodeAndWhereItWasRaised() {
        let error = CredentialStoreError(.locked, "in use")
        #expect(error.debugDescription.contains("locked"))
        #expect(error.debugDescription.contains("CredentialStoreErrorTests.swift"))
    }

    @Test func codesCompareByKind() {
        #expect(CredentialStoreError.Code.corrupt == .corrupt)
        #expect(CredentialStoreError.Code.corrupt != .tampered)
        #expect(CredentialStoreError.Code.notFound != .missingFile)
    }
}
