#if canImport(Glibc)
import BusTesting
import Glibc
#endif

/// Tests/BlueZEmulator/bluez-emulator on a private bus, as a child process. Killed on `stop()` or release.
final class EmulatorProcess {
    static let script: String = {
        // This file is Tests/BlueZTests/Support/EmulatorProcess.swift; the emulator is Tests/BlueZEmulator.
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)
        return components.joined(separator: "/") + "/BlueZEmulator/bluez-emulator"
    }()

    private var pid: pid_t?
    /// Our end of its stdout and stderr, kept open while it runs.
    private var output: Int32 = -1

    /// Starts the emulator; it owns org.bluez shortly after (wait for that on the bus).
    init(busAddress: String) throws {
        (pid, output) = try ChildProcess.spawn(
            ["/bin/sh", Self.script], environment: ["DBUS_SYSTEM_BUS_ADDRESS": busAddress])
    }

    deinit {
        stop(signal: SIGKILL)
    }

    /// SIGTERM: shut down as bluetoothd does (advertisements released, objects removed); SIGKILL: a crash.
    func stop(signal: Int32 = SIGTERM) {
        guard let pid else { return }
        kill(pid, signal)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
        self.pid = nil
    }
}
