import CardCrypto
import Foundation
import StoreTesting
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
        #expect(sealError?.description == "cannot run \(missing) (No such file or directory): systemd-creds from systemd 250 or later is needed")
        let unsealError = #expect(throws: CredentialStoreError.self) { try sealer.unseal([1, 2, 3]) }
        #expect(unsealError?.code == .unsealFailed)
    }

    @Test func theKeyTravelsThroughStdinNotTheArguments() throws {
        let temporary = try TemporaryDirectory()
        let fake = try fakeSystemdCreds(
            in: temporary,
            script: """
                printf '%s\\n' "$@" > "$0.arguments"
                cat > "$0.input"
                echo "Credential secret file '/x' is not located on encrypted media, using anyway." >&2
                printf sealed
                """
        )
        let sealer = SystemdCredsSealer(
            environment: [:],
            executablePath: fake,
            tpmDevicePath: temporary.path("no-tpm")
        )

        #expect(try sealer.seal(key) == Array("sealed".utf8))
        let arguments = try String(contentsOfFile: fake + ".arguments", encoding: .utf8)
        #expect(arguments == "encrypt\n--name=pivlink-store-key\n--with-key=host\n-\n-\n")
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: fake + ".input"))) == key)
    }

    @Test(arguments: [
        ("echo \"$WARNING\" >&2; echo 'Decryption failed (incorrect key?): error' >&2; exit 1",
         "systemd-creds decrypt failed: Decryption failed (incorrect key?): error"),
        ("echo \"$WARNING\" >&2; exit 3", "systemd-creds decrypt failed: exit status 3"),
        ("kill -KILL $$", "systemd-creds decrypt failed: killed by signal 9"),
        ("cat >/dev/null", "systemd-creds decrypt succeeded but wrote nothing or more than 16384 bytes"),
    ])
    func failuresAreReportedByTheirStderrWithoutTheMediaWarning(script: String, message: String) throws {
        let temporary = try TemporaryDirectory()
        let fake = try fakeSystemdCreds(in: temporary, script: script)
        let sealer = SystemdCredsSealer(
            environment: ["WARNING": "Credential secret file '/x' is not located on encrypted media, using anyway."],
            executablePath: fake
        )
        let error = #expect(throws: CredentialStoreError.self) { try sealer.unseal([1, 2, 3]) }
        #expect(error?.code == .unsealFailed)
        #expect(error?.description == message)
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

    /// An executable shell script standing in for systemd-creds, to see exactly what is passed to it
    /// and to make it fail in ways the real one cannot be made to on demand.
    ///
    /// install(1) writes the executable, not this process: a descriptor this process held open for
    /// writing could be inherited by a child another test is spawning at that moment, and executing the
    /// script would then fail with ETXTBSY.
    private func fakeSystemdCreds(in temporary: TemporaryDirectory, script: String) throws -> String {
        let source = temporary.path("systemd-creds.sh")
        let path = temporary.path("systemd-creds")
        try Data(("#!/bin/sh\n" + script + "\n").utf8).write(to: URL(fileURLWithPath: source))
        #expect(try runTool("/usr/bin/install", ["-m", "0700", source, path]).status == 0)
        return path
    }
}
