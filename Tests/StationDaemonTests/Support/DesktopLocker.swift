import BusTesting
import DBus
import EventLoop

/// A desktop's screen locker, as GNOME's shield and KDE's kscreenlocker behave: on its own connection it obeys the
/// session's `Lock` signal by locking (counted here) and then reports the lock with `SetLockedHint(true)`. It
/// counts `Unlock` signals too: the station must never cause one.
final class DesktopLocker {
    private(set) var locks = 0
    private(set) var unlocks = 0
    private let connection: DBusConnection
    private var registrations: [DBusRegistration] = []

    /// Listens to the session `id` of `mock` from once this returns (the bus has installed the matches).
    init(session id: String, mock: LogindMock) throws {
        connection = try DBusConnection(.address(mock.bus.address), loop: mock.loop)
        let path = LogindMock.sessionPath(id)
        var installed: [Result<Void, DBusError>] = []
        for member in ["Lock", "Unlock"] {
            let rule = DBusMatchRule(sender: LogindMock.name, path: path, interface: LogindMock.sessionInterface, member: member)
            registrations.append(
                try connection.match(rule, installed: { installed.append($0) }) { [unowned self] _ in
                    if member == "Lock" {
                        locks += 1
                        setLockedHint(path)
                    } else {
                        unlocks += 1
                    }
                })
        }
        guard mock.loop.run(until: { installed.count == 2 }), installed.allSatisfy({ if case .success = $0 { true } else { false } }) else {
            throw ChildProcess.Failure(description: "the locker's matches were not installed: \(installed)")
        }
    }

    private func setLockedHint(_ path: DBusObjectPath) {
        // A failure shows in the test as a lock that was not confirmed.
        try? connection.call(
            destination: LogindMock.name, path: path, interface: LogindMock.sessionInterface, member: "SetLockedHint",
            arguments: [.boolean(true)]
        ) { _ in }
    }
}
