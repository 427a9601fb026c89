import CSystemd
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// Child processes for tests: the private bus daemon, the BlueZ emulator, python-dbusmock, and `busctl`/`dbus-send`
/// as independent peers.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) {
            self.description = description
        }
    }

    /// Starts `arguments` (an absolute path first) with `environment` added to ours and stdout and stderr on a
    /// socket; returns the pid and our close-on-exec end, which the caller closes.
    public static func spawn(_ arguments: [String], environment: [String: String] = [:]) throws -> (pid: pid_t, output: Int32) {
        // A socket pair rather than pipe(): it is created close-on-exec at once, so a child that another
        // test spawns meanwhile cannot inherit the write end and hold our end of file back.
        var pipeEnds: [Int32] = [0, 0]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &pipeEnds) == 0 else {
            throw Failure(description: "socketpair: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environmentStrings: [UnsafeMutablePointer<CChar>?] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let name = String(text.prefix { $0 != "=" })
            if environment[name] == nil {
                environmentStrings.append(strdup(entry))
            }
            index += 1
        }
        environmentStrings += environment.map { strdup("\($0.key)=\($0.value)") }
        environmentStrings.append(nil)
        defer { environmentStrings.forEach { free($0) } }
        // Test threads block most signals and a child inherits the mask: unblock them all, or SIGTERM
        // would never stop it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &environmentStrings)
        close(pipeEnds[1])
        guard result == 0 else {
            close(pipeEnds[0])
            throw Failure(description: "spawning \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return (pid, pipeEnds[0])
    }

    /// Waits up to `timeout` for `fileDescriptor` to be readable (or at end of file).
    public static func waitReadable(_ fileDescriptor: Int32, for timeout: Duration) throws -> Bool {
        var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + 1)
        let result = poll(&poller, 1, milliseconds)
        guard result >= 0 else {
            throw Failure(description: "poll: \(String(cString: strerror(errno)))")
        }
        return result > 0
    }

    /// Runs `arguments` to completion while `loop` keeps serving (the command usually talks to objects
    /// this process exports); returns its exit status and everything it printed.
    public static func run(_ arguments: [String], on loop: EventLoop, timeout: Duration = .seconds(20)) throws
        -> (status: Int32, output: String)
    {
        let (pid, output) = try spawn(arguments)
        defer { close(output) }
        var collected: [UInt8] = []
        var finished = false
        let source = try loop.addIO(fileDescriptor: output, events: .readable) { _ in
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(output, &buffer, buffer.count)
            if count > 0 {
                collected += buffer[0..<count]
            } else {
                finished = true
            }
        }
        defer { source.remove() }
        let ended = loop.run(until: { finished }, timeout: timeout)
        if !ended {
            kill(pid, SIGKILL)
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard ended else {
            throw Failure(description: "\(arguments.joined(separator: " ")) did not finish in time")
        }
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
        return (exitStatus, String(decoding: collected, as: UTF8.self))
    }
}

extension EventLoop {
    /// Runs loop iterations until `condition` holds or `timeout` has passed; returns whether it held.
    /// (Tests step the loop instead of `run()`/`exit(_:)`, because exiting the loop closes its buses.)
    public func run(until condition: () -> Bool, timeout: Duration = .seconds(10)) -> Bool {
        let deadline = MonotonicInstant.now() + timeout
        while !condition() {
            let now = MonotonicInstant.now()
            guard now < deadline else { return false }
            let remaining = deadline.microseconds - now.microseconds
            guard sd_event_run(event, remaining) >= 0 else { return false }
        }
        return true
    }
}
