import CardCrypto
import Foundation
import Testing

@testable import CredentialStore

@Suite struct SystemdCredsSealerTests {
    private let key = SystemRandom().bytes(StoreKey.sealedLength)

    @Test func sealThenUnsealRoundTrips() throws {
        let fixture = try StoreFixture()
        let blob = try fixture.sealer.seal(key)
        #expect(blob.count > key.count)
        #expect(try fixture.sealer.unseal(blob) == key)
    }

    @Test func anotherMachinesSecretCannotUnseal() throws {
        let fixture = try StoreFixture()
        let blob = try fixture.sealer.seal(key)
        let error = #expect(throws: CredentialStoreError.self) { try fixture.otherMachineSealer().unseal(blob) }
        #expect(error?.code == .unsealFailed)
        let message = error?.description ?? ""
        #expect(message.hasPrefix("systemd-creds decrypt failed: Decryption failed"))
        #expect(!message.contains("\n"))
        #expect(!message.contains("encrypted media"))
    }

    @Test func aCredentialSealedUnderAnotherNameIsRefused() throws {
        let fixture = try StoreFixture()
        let plaintext = fixture.temporary.path("plaintext")
        let sealed = fixture.temporary.path("sealed")
        try Data(key).write(to: URL(fileURLWithPath: plaintext))
        let encrypt = try runTool(
            SystemdCredsSealer.defaultExecutablePath,
            ["encrypt", "--name=some-other-credential", "--with-key=host", plaintext, sealed],
            environment: ["SYSTEMD_CREDENTIAL_SECRET": fixture.temporary.path("host-secret")]
        )
        #expect(encrypt.status == 0)
        let blob = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sealed)))

        let error = #expect(throws: CredentialStoreError.self) { try fixture.sealer.unseal(blob) }
        #expect(error?.code == .unsealFailed)
        #expect(error?.description.contains("does not match") == true)
    }

    @Test func theKeyDeliveredBySystemdIsUsedWithoutRunningSystemdCreds() throws {
        let temporary = try TemporaryDirectory()
        try Data(key).write(to: URL(fileURLWithPath: temporary.path(SystemdCredsSealer.credentialName)))
        let sealer = SystemdCredsSealer(
            environment: ["CREDENTIALS_DIRECTORY": temporary.path],
            executablePath: temporary.path("no-such-systemd-creds")
        )
        #expect(try sealer.unseal(Array("not a systemd-creds blob".utf8)) == key)
    }

    @Test func withoutADeliveredKeyUnsealDecryptsTheBlob() throws {
        let fixture = try StoreFixture()
        let emptyCredentials = try TemporaryDirectory()
        let sealer = SystemdCredsSealer(
            environment: [
                "SYSTEMD_CREDENTIAL_SECRET": fixture.temporary.path("host-secret"),
                "CREDENTIALS_DIRECTORY": emptyCredentials.path,
            ]
        )
        #expect(try sealer.unseal(sealer.seal(key)) == key)
    }

    @Test func aMissingExecutableIsReported() throws {
        let temporary = try TemporaryDirectory()
        let missing = temporary.path("no-such-systemd-creds")
        let sealer = SystemdCredsSealer(environment: [:], executablePath: missing)

        let sealError = #expect(throws: CredentialStoreError.self) { try sealer.seal(key) }
        #expect(sealError?.code == .sealFailed)
        #expect(sealError?.description.contains(missing) == true)
        let unsealError = #expect(throws: CredentialStoreError.self) { try sealer.unseal([1, 2, 3]) }
        #expect(unsealError?.code == .unsealFailed)
    }

    /// Only the choice of flag is testable here: these machines have no TPM to seal with.
    @Test func theTPMIsAddedWhenItsDeviceExists() throws {
        let temporary = try TemporaryDirectory()
        let device = temporary.path("tpmrm0")
        let withoutTPM = SystemdCredsSealer(environment: [:], executablePath: "/bin/false", tpmDevicePath: device)
        #expect(withoutTPM.keyBinding == "host")
        try Data().write(to: URL(fileURLWithPath: device))
        let withTPM = SystemdCredsSealer(environment: [:], executablePath: "/bin/false", tpmDevicePath: device)
        #expect(withTPM.keyBinding == "host+tpm2")
    }
}
