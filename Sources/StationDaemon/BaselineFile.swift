import Foundation
import Proximity

/// The holder's seated baseline as the station keeps it between runs: `baseline.json` in its state directory
/// (systemd's `StateDirectory=pivlink-station`, passed as `$STATE_DIRECTORY`; `/var/lib/pivlink-station`
/// otherwise). `pivlink calibrate` writes it and the station rewrites it with its online adaptation when it stops.
/// Not a secret: a signal level.
public struct BaselineFile: Sendable {
    public static let fileName = "baseline.json"
    /// Any RSSI a controller reports lies in −127…20 dBm; a level outside is a damaged file.
    static let plausible = -127.0...20.0

    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// In the station's state directory (`StationStateDirectory`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        path = StationStateDirectory.path(environment: environment) + "/" + Self.fileName
    }

    /// The stored baseline; nil when there is none yet.
    public func load() throws(StationDaemonError) -> ProximityBaseline? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let baseline: ProximityBaseline
        do {
            baseline = try JSONDecoder().decode(ProximityBaseline.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw StationDaemonError(.stateFailed, "\(path) is not a baseline the station wrote: delete it and run pivlink calibrate")
        }
        for level in [baseline.connection, baseline.advertisement].compactMap({ $0 }) where !Self.plausible.contains(level) {
            throw StationDaemonError(.stateFailed, "\(path) holds a level of \(level) dBm, outside −127…20: delete it and run pivlink calibrate")
        }
        return baseline
    }

    /// Replaces the stored baseline in one step (a new file renamed over the old), so a crash leaves either.
    public func save(_ baseline: ProximityBaseline) throws(StationDaemonError) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(baseline).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StationDaemonError(.stateFailed, "cannot write \(path) (\((error as NSError).localizedDescription)): is the station's state directory writable?")
        }
    }
}
