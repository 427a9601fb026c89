import Foundation
import Glibc

/// Seals the store key with `systemd-creds`, so that only this machine can unseal it.
///
/// `seal` runs `systemd-creds encrypt --with-key=host`: the key is bound to this machine's credential
/// secret (`/var/lib/systemd/credential.secret`, or the file named by `SYSTEMD_CREDENTIAL_SECRET` in
/// `environment`, which tests use). Where a TPM is present (`/dev/tpmrm0` exists) it uses
/// `--with-key=host+tpm2`, binding the key to the TPM as well. That branch cannot be exercised on the
/// development machines, which have no TPM; only the choice of flag is tested.
///
/// `unseal` first looks for the key already decrypted by systemd: a unit with
/// `LoadCredentialEncrypted=pivlink-store-key:<store>/store-key.cred` finds it in
/// `$CREDENTIALS_DIRECTORY/pivlink-store-key`, and the blob is not decrypted again. Otherwise (the CLI,
/// run outside the service) it runs `systemd-creds decrypt`. Both directions use the credential name
/// `pivlink-store-key`, which systemd-creds embeds in the blob and checks on decryption.
///
/// The key travels through pipes only, never through argv or a temporary file. stdin is filled before
/// the child starts (inputs are far below the 64 KiB pipe buffer), so a child that exits early cannot
/// raise SIGPIPE in this process. stdout is read to its end before stderr, which is safe because
/// systemd-creds writes only a few lines there. The warning systemd-creds prints when its secret is not
/// on encrypted media is expected on ordinary disks and dropped; any other stderr line becomes the
/// error's reason.
public struct SystemdCredsSealer: StoreKeySealer, Sendable {
    public static let credentialName = "pivlink-store-key"
    public static let defaultExecutablePath = "/usr/bin/systemd-creds"
    static let defaultTPMDevicePath = "/dev/tpmrm0"
    /// systemd-creds blobs are a few hundred bytes to about 1.5 KiB; anything larger is not ours.
    private static let maximumTransfer = 16_384

    private let environment: [String: String]
    private let executablePath: String
    private let tpmDevicePath: String

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String = Self.defaultExecutablePath
    ) {
        self.init(environment: environment, executablePath: executablePath, tpmDevicePath: Self.defaultTPMDevicePath)
    }

    init(environment: [String: String], executablePath: String, tpmDevicePath: String) {
        self.environment = environment
        self.executablePath = executablePath
        self.tpmDevicePath = tpmDevicePath
    }

    /// The `--with-key=` value `seal` uses.
    var keyBinding: String {
        access(tpmDevicePath, F_OK) == 0 ? "host+tpm2" : "host"
    }

    public func seal(_ key: [UInt8]) throws -> [UInt8] {
        try run(
            ["encrypt", "--name=\(Self.credentialName)", "--with-key=\(keyBinding)", "-", "-"],
            input: key,
            failure: .sealFailed
        )
    }

    public func unseal(_ blob: [UInt8]) throws -> [UInt8] {
        if let delivered = try keyDeliveredBySystemd() {
            return delivered
        }
        return try run(["decrypt", "--name=\(Self.credentialName)", "-", "-"], input: blob, failure: .unsealFailed)
    }

    private func keyDeliveredBySystemd() throws -> [UInt8]? {
        guard let credentialsPath = environment["CREDENTIALS_DIRECTORY"], !credentialsPath.isEmpty,
            let credentials = try DirectoryHandle.open(credentialsPath)
        else {
            return nil
        }
        return try credentials.read(Self.credentialName, limit: Self.maximumTransfer)
    }

    private func run(_ arguments: [String], input: [UInt8], failure: CredentialStoreError.Code) throws -> [UInt8] {
        let command = "systemd-creds \(arguments[0])"
        guard input.count <= Self.maximumTransfer else {
            throw CredentialStoreError(
                failure,
                "\(command) input of \(input.count) bytes exceeds \(Self.maximumTransfer) bytes: "
                    + "not a pivlink store key"
            )
        }
        // Foundation's launch errors do not say why; errno does.
        guard access(executablePath, X_OK) == 0 else {
            throw CredentialStoreError(
                failure,
                "cannot run \(executablePath) (\(DescriptorIO.describe(errno))): systemd-creds from systemd 250 or "
                    + "later is needed"
            )
        }
        let standardInput = Pipe()
        let standardOutput = Pipe()
        let standardError = Pipe()
        // Foundation's pipes are inheritable. A child that something else in this process spawns meanwhile
        // would keep a write end open, and this child's stdin or our read of its stdout would never see
        // end-of-file. The child still gets its copies: dup2 onto 0, 1 and 2 clears the flag.
        for pipe in [standardInput, standardOutput, standardError] {
            for end in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
                _ = fcntl(end.fileDescriptor, F_SETFD, FD_CLOEXEC)
            }
        }
        try DescriptorIO.writeAll(
            input,
            to: standardInput.fileHandleForWriting.fileDescriptor,
            describing: "the pipe to \(command)"
        )
        try standardInput.fileHandleForWriting.close()

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath)
        process.arguments = arguments
        process.environment = environment
        process.standardInput = standardInput
        process.standardOutput = standardOutput
        process.standardError = standardError
        do {
            try process.run()
        } catch {
            throw CredentialStoreError(
                failure,
                "cannot run \(executablePath) (\(error.localizedDescription)): systemd-creds from systemd 250 or "
                    + "later is needed"
            )
        }
        let output = try DescriptorIO.readAll(
            standardOutput.fileHandleForReading.fileDescriptor,
            limit: Self.maximumTransfer,
            describing: "the output of \(command)"
        )
        let diagnostics = try DescriptorIO.readAll(
            standardError.fileHandleForReading.fileDescriptor,
            limit: Self.maximumTransfer,
            describing: "the error output of \(command)"
        )
        process.waitUntilExit()

        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw CredentialStoreError(failure, "\(command) failed: \(reason(process, diagnostics))")
        }
        guard let output, !output.isEmpty else {
            throw CredentialStoreError(
                failure,
                "\(command) succeeded but wrote nothing or more than \(Self.maximumTransfer) bytes"
            )
        }
        return output
    }

    private func reason(_ process: Process, _ diagnostics: [UInt8]?) -> String {
        let lines = String(decoding: diagnostics ?? [], as: UTF8.self)
            .split(whereSeparator: \.isNewline)
            .filter { !$0.contains("is not located on encrypted media, using anyway") }
        if !lines.isEmpty {
            return lines.joined(separator: "; ")
        }
        switch process.terminationReason {
        case .exit:
            return "exit status \(process.terminationStatus)"
        case .uncaughtSignal:
            return "killed by signal \(process.terminationStatus)"
        @unknown default:
            return "terminated (status \(process.terminationStatus))"
        }
    }
}
