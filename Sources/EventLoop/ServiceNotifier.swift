import CSystemd

/// Tells systemd about the service's state through `sd_notify` (`Type=notify` units). Outside systemd
/// (`NOTIFY_SOCKET` unset) every call does nothing and returns false.
public struct ServiceNotifier: Sendable {
    public init() {}

    /// `READY=1`: start-up is complete; with an optional one-line status.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        send(["READY=1"] + Self.statusAssignment(status))
    }

    /// `STATUS=`: a one-line status shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Bool {
        send(Self.statusAssignment(text))
    }

    /// `STOPPING=1`: shutdown has begun; with an optional one-line status.
    @discardableResult
    public func stopping(status: String? = nil) -> Bool {
        send(["STOPPING=1"] + Self.statusAssignment(status))
    }

    private func send(_ assignments: [String]) -> Bool {
        sd_notify(0, assignments.joined(separator: "\n")) > 0
    }

    /// The notify protocol is newline-separated, so a status keeps to one line.
    private static func statusAssignment(_ text: String?) -> [String] {
        guard let text else { return [] }
        let oneLine = text.map { $0.isNewline ? " " : String($0) }.joined()
        return ["STATUS=\(oneLine)"]
    }
}
