import StationDaemon
import Testing

/// station.conf texts for the tests of its sections, and the check every refused setting must pass (one line
/// naming the file and what is wrong).
enum StationConfigText {
    /// A setting every test's text starts with, so that sections are tested beside another setting.
    static let base = "adapter: hci0\n"

    /// `section` (YAML after the adapter line) is refused as invalid, in one line that starts with the file's name
    /// and contains `expected`.
    static func expectRefused(_ section: String, saying expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Config(yaml: base + section, source: "station.conf")
            Issue.record("accepted \(section.debugDescription)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .invalidConfig, sourceLocation: sourceLocation)
            #expect(error.detail.hasPrefix("station.conf: "), sourceLocation: sourceLocation)
            #expect(error.detail.contains(expected), "\(error.detail)", sourceLocation: sourceLocation)
            #expect(!error.detail.contains("\n"), sourceLocation: sourceLocation)
        }
    }
}
