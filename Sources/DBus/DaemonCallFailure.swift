/// Why a command-line tool's call to one of pivlink's daemons failed, in one line, and the tool's exit status for
/// it: `notRunningStatus` when the daemon is not on the bus, 1 for anything else.
public struct DaemonCallFailure: Error, Sendable {
    public static let notRunningStatus: Int32 = 3

    public let message: String
    public let status: Int32

    public init(_ message: String, status: Int32) {
        self.message = message
        self.status = status
    }

    /// A failed call to `daemon` (as the user names it: "the station") owning `busName`; `start` says how to start it.
    public init(_ error: DBusError, daemon: String, busName: String, start: String) {
        switch error.name {
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
            self.init("\(daemon) is not running (\(busName) is not on the system bus): \(start)", status: Self.notRunningStatus)
        case "org.freedesktop.DBus.Error.AccessDenied":
            self.init("the bus policy does not let this user call \(daemon): join the pivlink group (or run as root)", status: 1)
        default:
            self.init(error.message.isEmpty ? error.name : error.message, status: 1)
        }
    }
}
