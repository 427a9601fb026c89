import CardCrypto
import Foundation
import Glibc
import StoreTesting
import Testing

@testable import CredentialStore

struct FixtureError: Error {
    let message: String
}

/// One test's world: a temp directory holding the store directory and this "machine's" systemd
/// credential secret (`SealedStoreWorld`).
final class StoreFixture {
    let world: SealedStoreWorld
    let storePath: String

    var temporary: TemporaryDirectory { world.temporary }
    var sealer: SystemdCredsSealer { world.sealer }

    init() throws {
        world = try SealedStoreWorld()
        storePath = world.path("store")
    }

    func file(_ name: String) -> String {
        storePath + "/" + name
    }

    /// A sealer for another machine: its own, already generated, credential secret.
    func otherMachineSealer() throws -> SystemdCredsSealer {
        let other = SystemdCredsSealer(
            environment: ["SYSTEMD_CREDENTIAL_SECRET": temporary.path("other-host-secret")]
        )
        _ = try other.seal(SystemRandom().bytes(StoreKey.sealedLength))
        return other
    }

    /// Every file in the store directory with its bytes.
    func snapshot() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: storePath) {
            files[name] = try bytes(name)
        }
        return files
    }

    func names() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: storePath))
    }

    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: file(name))))
    }

    func overwrite(_ name: String, with bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: file(name)))
    }

    /// Permission bits of `name` (the store directory itself for ""), not following symlinks.
    func mode(_ name: String) -> mode_t {
        var status = stat()
        guard lstat(name.isEmpty ? storePath : file(name), &status) == 0 else { return 0 }
        return status.st_mode & 0o7777
    }
}

/// A stand-in sealer for tests that are not about binding to the machine. It does not protect the key
/// (the "blob" is a tag followed by the key), and counts calls so tests can see what was unsealed.
final class RecordingSealer: StoreKeySealer {
    private static let tag: [UInt8] = Array("fake-sealed:".utf8)
    private(set) var unsealCount = 0

    func seal(_ key: [UInt8]) throws -> [UInt8] {
        Self.tag + key
    }

    func unseal(_ blob: [UInt8]) throws -> [UInt8] {
        unsealCount += 1
        guard blob.starts(with: Self.tag) else {
            throw CredentialStoreError(.unsealFailed, "not a RecordingSealer blob")
        }
        return Array(blob.dropFirst(Self.tag.count))
    }
}

/// Runs `executable` to completion and returns its exit status and standard output.
@discardableResult
func runTool(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String]? = nil
) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment {
        process.environment = environment
    }
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
