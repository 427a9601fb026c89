import Foundation

/// Where the station keeps its state between runs: systemd's `StateDirectory=pivlink-station`, passed as
/// `$STATE_DIRECTORY` (its first entry: systemd separates several with ':'), else `/var/lib/pivlink-station`.
public enum StationStateDirectory {
    public static let fallback = "/var/lib/pivlink-station"

    public static func path(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let directory = environment["STATE_DIRECTORY"]?.split(separator: ":").first.map(String.init)
        return directory.flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }
}
