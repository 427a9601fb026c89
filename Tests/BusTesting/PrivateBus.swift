import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// A private `dbus-daemon` for one test: its own socket in a fresh directory, a config that lets every
/// connection own names and talk to everyone (or the `configuration` given), and no service activation. Killed on
/// `stop()` or release.
public final class PrivateBus {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    public let address: String
    private let directory: String
    private var pid: pid_t?
    /// Our end of the daemon's stdout and stderr. It stays open while the daemon runs: closing it would
    /// kill the daemon with SIGPIPE at its next log line.
    private let output: Int32

    /// The bus config's elements after `<listen>` and `<auth>`: its type and policies.
    public static let openConfiguration = """
        <type>session</type>
        <policy context="default">
          <allow send_destination="*" eavesdrop="true"/>
          <allow eavesdrop="true"/>
          <allow own="*"/>
        </policy>
        """

    /// A bus with `configuration` (its type, policies and includes). One that is not the open configuration is a
    /// test of a policy, run by other users too: the socket's directory is then open to them.
    public init(timeout: Duration = .seconds(10), configuration: String = PrivateBus.openConfiguration) throws {
        var template = Array("/tmp/pivlink-dbus-XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw StartError(description: "mkdtemp failed")
        }
        directory = String(cString: created)
        do {
            if configuration != Self.openConfiguration, chmod(directory, 0o755) != 0 {
                throw StartError(description: "chmod \(directory): \(String(cString: strerror(errno)))")
            }
            (pid, output, address) = try Self.start(in: directory, configuration: configuration, timeout: timeout)
        } catch {
            Self.removeFiles(in: directory)
            throw error
        }
    }

    private static func start(in directory: String, configuration: String, timeout: Duration) throws
        -> (pid: pid_t, output: Int32, address: String)
    {
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
              "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <listen>unix:path=\(directory)/bus</listen>
              <auth>EXTERNAL</auth>
            \(configuration)
            </busconfig>
            """
        try write(config, to: directory + "/bus.conf")
        let (pid, output) = try ChildProcess.spawn([
            "/usr/bin/dbus-daemon", "--config-file=\(directory)/bus.conf", "--nofork", "--print-address=1",
        ])
        do {
            return (pid, output, try readAddress(from: output, timeout: timeout))
        } catch {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
            close(output)
            throw error
        }
    }

    /// The daemon prints its address once it listens.
    private static func readAddress(from output: Int32, timeout: Duration) throws -> String {
        var line: [UInt8] = []
        let deadline = MonotonicInstant.now() + timeout
        while !line.contains(UInt8(ascii: "\n")) {
            let remaining = MonotonicInstant.now().duration(to: deadline)
            guard remaining > .zero, try ChildProcess.waitReadable(output, for: remaining) else {
                throw StartError(description: "dbus-daemon printed no address in time")
            }
            var buffer = [UInt8](repeating: 0, count: 256)
            let count = read(output, &buffer, buffer.count)
            guard count > 0 else {
                throw StartError(description: "dbus-daemon exited before printing its address")
            }
            line += buffer[0..<count]
        }
        return String(decoding: line.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    deinit {
        stop()
        Self.removeFiles(in: directory)
    }

    private static func removeFiles(in directory: String) {
        unlink(directory + "/bus.conf")
        unlink(directory + "/bus")
        rmdir(directory)
    }

    /// Kills the daemon and waits for it; every connection to it is lost. SIGKILL, so that the wait is
    /// bounded whatever the daemon is doing.
    public func stop() {
        guard let pid else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
        self.pid = nil
    }

    private static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else {
            throw StartError(description: "cannot write \(path)")
        }
        defer { fclose(file) }
        guard fputs(text, file) >= 0 else {
            throw StartError(description: "cannot write \(path)")
        }
    }
}
