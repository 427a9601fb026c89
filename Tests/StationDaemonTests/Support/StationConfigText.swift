import StationDaemon
import Testing

/// station.conf texts for the tests of its sections: the one required setting, and the check every refused setting
/// must pass (one line naming the file and what is wrong).
enum StationConfigText {
    static let device = "device: AA:BB:CC:DD:EE:FF\n"

    /// `section` (YAML after the device line) is refused as invalid, in one line that starts with the file's name
    /// and contains `expected`.
    static func expectRefused(_ section: String, saying expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Config(yaml: device + section, source: "station.conf")
            Issue.record("accepted \(section.debugDescription)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .invalidConfig, sourceLocation: sourceLocation)
            #expect(error.detail.hasPrefix("station.conf: "), sourceLocation: sourceLocation)
            #expect(error.detail.contains(expected), "\(error.detail)", sourceLocation: sourceLocation)
            #expect(!error.detail.contains("\n"), sourceLocation: sourceLocation)
        }
    }
}
