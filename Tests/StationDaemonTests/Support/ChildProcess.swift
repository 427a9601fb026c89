import CSystemd
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// Child processes for tests: the private bus daemon and python-dbusmock.
enum ChildProcess {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts `arguments` (an absolute path first) with `environment` added to ours and stdout and stderr on a
    /// socket; returns the pid and our close-on-exec end, which the caller closes.
    static func spawn(_ arguments: [String], environment: [String: String] = [:]) throws -> (pid: pid_t, output: Int32) {
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
        // dup2 clears close-on-exec on the copies, so only stdout and stderr reach the child.
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environmentStrings: [UnsafeMutablePointer<CChar>?] = []
        var index = 0
        while let entry = environ[index] {
            let name = String(String(cString: entry).prefix { $0 != "=" })
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
    static func waitReadable(_ fileDescriptor: Int32, for timeout: Duration) throws -> Bool {
        var poller = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + 1)
        let result = poll(&poller, 1, milliseconds)
        guard result >= 0 else {
            throw Failure(description: "poll: \(String(cString: strerror(errno)))")
        }
        return result > 0
    }
}

extension EventLoop {
    /// Runs loop iterations until `condition` holds or `timeout` has passed; returns whether it held.
    /// (Tests step the loop instead of `run()`/`exit(_:)`, because exiting the loop closes its buses.)
    func run(until condition: () -> Bool, timeout: Duration = .seconds(10)) -> Bool {
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
