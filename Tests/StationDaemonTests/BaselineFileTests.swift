import Foundation
import Proximity
import StationDaemon
import Testing

@Suite struct BaselineFileTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "baseline-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    @Test func theStateDirectoryIsSystemdsFirstEntryElseTheFallback() {
        #expect(BaselineFile(environment: ["STATE_DIRECTORY": "/var/lib/a:/var/lib/b"]).path == "/var/lib/a/baseline.json")
        #expect(BaselineFile(environment: [:]).path == "/var/lib/pivlink-station/baseline.json")
        #expect(BaselineFile(environment: ["STATE_DIRECTORY": ""]).path == "/var/lib/pivlink-station/baseline.json")
    }

    @Test func noFileIsNoBaselineAndASavedOneLoads() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = BaselineFile(environment: ["STATE_DIRECTORY": directory])
        #expect(try file.load() == nil)
        try file.save(ProximityBaseline(connection: -57.5))
        #expect(try file.load() == ProximityBaseline(connection: -57.5))
        try file.save(ProximityBaseline(connection: -50, advertisement: -66))
        #expect(try file.load() == ProximityBaseline(connection: -50, advertisement: -66))
    }

    @Test(arguments: ["not json", #"{"connection": -300}"#, #"{"connection": "x"}"#, #"{"advertisement": 40}"#])
    func aDamagedFileIsAClearError(_ text: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = BaselineFile(environment: ["STATE_DIRECTORY": directory])
        try text.write(toFile: file.path, atomically: true, encoding: .utf8)
        let error = #expect(throws: StationDaemonError.self) { try file.load() }
        #expect(error?.code == .stateFailed)
        #expect(error?.detail.contains("pivlink calibrate") == true)
    }

    @Test func anUnwritableDirectoryIsAClearError() {
        let file = BaselineFile(path: "/nonexistent-pivlink-directory/baseline.json")
        let error = #expect(throws: StationDaemonError.self) { try file.save(ProximityBaseline(connection: -60)) }
        #expect(error?.code == .stateFailed)
    }
}
