import BusTesting
import Foundation

/// A system group and a system user in it (and in no other group but nogroup), made for one test and deleted on
/// release. Names carry the process id and a random number, so tests running at the same time do not meet. Needs root.
final class TestAccounts {
    let group: String
    let user: String

    init() throws {
        let suffix = "\(getpid())x\(UInt32.random(in: 0..<1_000_000))"
        group = "pvlkg\(suffix)"
        user = "pvlku\(suffix)"
        try Self.run("/usr/sbin/groupadd", ["--system", group])
        do {
            try Self.run(
                "/usr/sbin/useradd",
                ["--system", "--no-create-home", "--no-user-group", "--gid", "nogroup", "--groups", group,
                 "--shell", "/usr/sbin/nologin", user])
        } catch {
            try? Self.run("/usr/sbin/groupdel", [group])
            throw error
        }
    }

    deinit {
        try? Self.run("/usr/sbin/userdel", [user])
        try? Self.run("/usr/sbin/groupdel", [group])
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ChildProcess.Failure(
                description: "\(tool) \(arguments.joined(separator: " ")): \(String(decoding: printed, as: UTF8.self))")
        }
    }
}
