import CredentialStore
import Foundation
import Glibc

/// A fresh directory under /tmp for one test, removed with everything in it when released.
public final class TemporaryDirectory: Sendable {
    public struct CreationFailed: Error {
        public let message: String
    }

    public let path: String

    /// `prefix` names the directory (`/tmp/<prefix>-XXXXXX`), so that a test's leftovers say whose they are.
    public init(prefix: String = "pivlink-store-test") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CreationFailed(message: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    public func path(_ name: String) -> String {
        path + "/" + name
    }
}

/// One test's "machine" for sealed stores: a temporary directory, and a systemd-creds sealer whose credential
/// secret is a file in it.
///
/// The secret file is left for systemd-creds to create on first use. A file of 4096 random bytes does not work as
/// a secret: systemd 252 expects its own 4112-byte format, replaces a malformed file when encrypting and deletes it
/// when decrypting.
public final class SealedStoreWorld: Sendable {
    public let temporary: TemporaryDirectory
    public let sealer: SystemdCredsSealer

    public init(prefix: String = "pivlink-store-test") throws {
        temporary = try TemporaryDirectory(prefix: prefix)
        sealer = SystemdCredsSealer(environment: ["SYSTEMD_CREDENTIAL_SECRET": temporary.path("host-secret")])
    }

    public var root: String { temporary.path }

    public func path(_ name: String) -> String {
        temporary.path(name)
    }
}

/// The forms a private key could take in a text: hex in either case, base64, and the decimal byte list of an
/// array, for checking that no error or description shows it.
public func secretForms(of key: [UInt8]) -> [String] {
    let hex = key.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    return [hex, hex.uppercased(), Data(key).base64EncodedString(), "\(key)"]
}
