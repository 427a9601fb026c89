import Foundation
import Testing

/// `LinkSecurity.plaintext` (messages in the clear) is for the benchmark and for tests of the message layer only:
/// no shipped daemon may reach it. It sits behind `@_spi(Plaintext)`, so any source that uses it says so in an
/// import; this reads every source file of the package and allows that import only in pivlink-bench.
struct PlaintextConfinementTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    @Test func onlyTheBenchmarkImportsThePlaintextMode() throws {
        let files = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 100, "the sources were found")
        let importing = try files.filter { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").contains { $0.hasPrefix("@_spi(Plaintext) import") }
        }
            .map { $0.path.replacingOccurrences(of: Self.sources.path + "/", with: "") }
        #expect(!importing.isEmpty && importing.allSatisfy { $0.hasPrefix("pivlink-bench/") }, "\(importing)")
    }
}
