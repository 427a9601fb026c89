import Yams

/// station.conf's `lock:` section: `user` (login name or uid whose session is locked) and `confirm_timeout`
/// (seconds). Config/station.conf documents both.
public enum LockConfig {
    static let keys = ["confirm_timeout", "user"]
    static let confirmTimeoutRange = 0.1...300.0

    /// The settings of a `lock:` node (nil: no user, default timeout); `source` names the file in errors.
    public static func settings(_ node: Node?, source: String) throws(StationDaemonError) -> LockSettings {
        func invalid(_ what: String) -> StationDaemonError {
            StationDaemonError(.invalidConfig, "\(source): \(what)")
        }
        var settings = LockSettings()
        guard let node else { return settings }
        guard let mapping = node.mapping else {
            throw invalid("'lock' must hold settings such as 'user: alice'; known: \(keys.map { "lock." + $0 }.joined(separator: ", "))")
        }
        for (key, value) in mapping {
            guard let name = key.string, keys.contains(name) else {
                throw invalid("unknown setting 'lock.\(key.string ?? "?")'; known: \(keys.map { "lock." + $0 }.joined(separator: ", "))")
            }
            guard let text = value.string, !text.isEmpty else { throw invalid("'lock.\(name)' must be a single value") }
            if name == "user" {
                settings.user = try user(text, invalid)
            } else {
                guard let seconds = Double(text), confirmTimeoutRange.contains(seconds) else {
                    throw invalid("lock.confirm_timeout '\(text)' must be a number of seconds from \(confirmTimeoutRange.lowerBound) to \(confirmTimeoutRange.upperBound)")
                }
                settings.confirmTimeout = .microseconds(Int64((seconds * 1e6).rounded()))
            }
        }
        return settings
    }

    /// A uid when the value is all digits, else a login name as useradd accepts them (no ':', '/', spaces or
    /// control characters; not starting with '-').
    private static func user(
        _ text: String, _ invalid: (String) -> StationDaemonError
    ) throws(StationDaemonError) -> LockSettings.User {
        if text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            guard let uid = UInt32(text), uid != UInt32.max else {
                throw invalid("lock.user '\(text)' is not a valid uid")
            }
            return .uid(uid)
        }
        let forbidden: Set<Character> = [":", "/", ",", " ", "\t"]
        guard text.count <= 256, !text.hasPrefix("-"),
            text.allSatisfy({ !forbidden.contains($0) && !$0.isNewline && $0.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f } })
        else {
            throw invalid("lock.user '\(text)' is not a login name or uid: set it to the account whose session is locked, e.g. user: alice")
        }
        return .name(text)
    }
}
