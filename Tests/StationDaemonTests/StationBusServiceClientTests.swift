import BusTesting
import DBus
import EventLoop
import Foundation
import StationDaemon
import Testing

/// `pivlink status`, `pause`, `resume` and `calibrate` as clients of a running StationBusService: the built pivlink
/// binary (next to this test binary: `swift build` builds it, and `swift test` builds every product before testing)
/// is run with DBUS_SYSTEM_BUS_ADDRESS pointing at a private bus, while the loop serves the station.
@Suite struct StationBusServiceClientTests {
    private static func pivlink() throws -> String {
        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let path = URL(fileURLWithPath: testBinary).deletingLastPathComponent().appendingPathComponent("pivlink").path
        try #require(FileManager.default.isExecutableFile(atPath: path), "no pivlink at \(path): build it first")
        return path
    }

    private static func run(_ arguments: [String], systemBus address: String, on loop: EventLoop) throws
        -> (status: Int32, output: String)
    {
        try ChildProcess.run(["/usr/bin/env", "DBUS_SYSTEM_BUS_ADDRESS=\(address)", pivlink()] + arguments, on: loop)
    }

    /// A station on the bus under its well-known name, as pivlink finds it.
    private static func station() throws -> StationBusFixture {
        let fixture = try StationBusFixture()
        try fixture.requestName().get()
        return fixture
    }

    @Test func withoutAStationStatusSaysSoInOneLineAndExits3() throws {
        let bus = try PrivateBus()
        let loop = try EventLoop()
        for address in [bus.address, "unix:path=/nonexistent/pivlink-test/bus"] {
            for arguments in [["status"], ["status", "--json"], ["resume"]] {
                let (status, output) = try Self.run(arguments, systemBus: address, on: loop)
                #expect(status == 3, "\(arguments) on \(address): \(output)")
                #expect(output.hasPrefix("pivlink: the station is not running"), "\(output)")
                #expect(output.split(separator: "\n").count == 1, "\(output)")
            }
        }
    }

    @Test func statusJSONHasExactlyThePropertyNamesAndRSSINullWhenNotHeard() throws {
        let fixture = try Self.station()
        var status = StationStatus(device: "AA:BB:CC:DD:EE:FF")
        status.state = .near
        status.rssi = -57.6
        status.isLinkUp = true
        status.lastLockReason = "walked \"away\""
        status.lastLockTime = 1_796_000_000_000_000
        try fixture.service.update(status)

        func json() throws -> [String: Any] {
            let (exit, output) = try Self.run(["status", "--json"], systemBus: fixture.bus.address, on: fixture.loop)
            #expect(exit == 0, "\(output)")
            #expect(output.split(separator: "\n").count == 1, "one line: \(output)")
            let object = try JSONSerialization.jsonObject(with: Data(output.utf8))
            return try #require(object as? [String: Any], "\(output)")
        }
        let heard = try json()
        #expect(Set(heard.keys) == Set(StationBusProperty.allCases.map(\.rawValue)))
        #expect(heard["State"] as? String == "near")
        #expect(heard["Device"] as? String == "AA:BB:CC:DD:EE:FF")
        #expect(heard["RSSI"] as? Int == -58)
        #expect(heard["LinkUp"] as? Bool == true)
        #expect(heard["CardPresent"] as? Bool == false)
        #expect(heard["LastLockReason"] as? String == "walked \"away\"")
        #expect((heard["LastLockTime"] as? NSNumber)?.uint64Value == 1_796_000_000_000_000)
        #expect(heard["AutoLockPausedUntil"] as? Int == 0)

        status.rssi = nil
        try fixture.service.update(status)
        let notHeard = try json()
        #expect(Set(notHeard.keys) == Set(StationBusProperty.allCases.map(\.rawValue)))
        #expect(notHeard["RSSI"] is NSNull)
    }

    @Test func statusPrintsTheStateAtAGlance() throws {
        let fixture = try Self.station()
        var status = StationStatus(device: "3f9a-12c0-77de-0b41")
        status.state = .away
        status.rssi = -81.2
        status.isCardPresent = true
        status.fingerprint = "1a2b-3c4d-5e6f-7081"
        status.pairings = [.init(fingerprint: "3f9a-12c0-77de-0b41", name: "Anna's phone")]
        try fixture.service.update(status)
        let (exit, output) = try Self.run(["status"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 0, "\(output)")
        let lines = output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines == [
            "fingerprint: 1a2b-3c4d-5e6f-7081", "pairings: 3f9a-12c0-77de-0b41 (Anna's phone)", "card: 3f9a-12c0-77de-0b41",
            "presence: away", "signal: -81 dBm (filtered)", "link: down", "pcscd: card in pcscd",
            "auto-lock: on", "last lock: none since the station started",
        ])
    }

    @Test func unpairSaysWhetherTheCardForgotTheStationToo() throws {
        let fixture = try Self.station()
        fixture.handlers.unpairAnswer = .success(true)
        var (exit, output) = try Self.run(["unpair", "3f9a-12c0-77de-0b41"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 0, "\(output)")
        #expect(output == "unpaired 3f9a-12c0-77de-0b41 on this station and on the card\n")
        fixture.handlers.unpairAnswer = .success(false)
        (exit, output) = try Self.run(["unpair", "3F9A12C077DE0B41"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 0, "\(output)")
        #expect(output.hasPrefix("unpaired 3F9A12C077DE0B41 on this station only (the card did not confirm"))
        fixture.handlers.unpairAnswer = .failure(StationDaemonError(.notPaired, "no card with fingerprint 0000-0000-0000-0000 is paired"))
        (exit, output) = try Self.run(["unpair", "0000-0000-0000-0000"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 1 && output.contains("no card with fingerprint 0000-0000-0000-0000 is paired"), "\(output)")
        (exit, output) = try Self.run(["unpair", "not-a-fingerprint"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 1 && output.contains("a fingerprint is"), "\(output)")
        #expect(fixture.handlers.unpairs.map(\.description) == [
            "3f9a-12c0-77de-0b41", "3f9a-12c0-77de-0b41", "0000-0000-0000-0000",
        ])
    }

    @Test func pauseTakesSecondsMinutesOrHoursUpToEightAndResumeEndsIt() throws {
        let fixture = try Self.station()
        for (argument, said) in [("90s", "90 s"), ("30m", "30 min"), ("8h", "8 h")] {
            let (exit, output) = try Self.run(["pause", "--for", argument], systemBus: fixture.bus.address, on: fixture.loop)
            #expect(exit == 0, "\(argument): \(output)")
            #expect(output == "auto-lock paused for \(said); pivlink resume ends the pause\n")
        }
        #expect(fixture.handlers.pauses == [.seconds(90), .seconds(1800), .seconds(28_800)])
        for argument in ["9h", "0s", "30", "m", "1.5h", "-5m"] {
            let (exit, output) = try Self.run(["pause", "--for", argument], systemBus: fixture.bus.address, on: fixture.loop)
            #expect(exit != 0 && exit != 3, "\(argument): \(output)")
        }
        #expect(fixture.handlers.pauses.count == 3)
        let (exit, output) = try Self.run(["resume"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 0, "\(output)")
        #expect(fixture.handlers.resumes == 1)
    }

    @Test func calibratePrintsTheBaselineOrTheStationsReason() throws {
        let fixture = try Self.station()
        fixture.handlers.calibrationAnswer = .success(-55.3)
        let (exit, output) = try Self.run(["calibrate", "--seconds", "5"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(exit == 0, "\(output)")
        #expect(output == "listening for 5 s: stay seated\nseated baseline: -55 dBm (connection RSSI)\n")
        #expect(fixture.handlers.calibrations.first?.duration == .seconds(5))

        let reason = "heard 4 RSSI samples, 10 needed: keep the phone connected and calibrate for longer"
        fixture.handlers.calibrationAnswer = .failure(StationDaemonError(.calibrationFailed, reason))
        let failed = try Self.run(["calibrate"], systemBus: fixture.bus.address, on: fixture.loop)
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output == "listening for 10 s: stay seated\npivlink: \(reason)\n")
        #expect(fixture.handlers.calibrations.last?.duration == .seconds(10))
    }

    @Test func underTheBusPolicyAGroupMemberMayUsePivlinkAndOthersAreToldToJoinTheGroup() throws {
        try #require(getuid() == 0, "the test runs pivlink as other users: run it as root")
        let accounts = try TestAccounts()
        let policyFile = StationBusFixture.temporaryPolicyFile()
        defer { try? FileManager.default.removeItem(at: policyFile) }
        let fixture = try StationBusFixture(
            bus: StationBusFixture.systemBus(policyGroup: accounts.group, policyFile: policyFile))
        try fixture.requestName().get()
        // The build directory may be where other users cannot reach (a checkout under /root): they run a copy.
        let copyDirectory = NSTemporaryDirectory() + "pivlink-client-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: copyDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: copyDirectory) }
        let copy = copyDirectory + "/pivlink"
        // Copied by another process: a file this process wrote could still be open in a child that another test
        // forked meanwhile, and running it would fail with ETXTBSY.
        let copied = try ChildProcess.run(["/usr/bin/install", "-m", "0755", Self.pivlink(), copy], on: fixture.loop)
        try #require(copied.status == 0, "\(copied.output)")
        func pivlink(as user: [String], _ arguments: [String]) throws -> (status: Int32, output: String) {
            try ChildProcess.run(
                ["/usr/bin/setpriv"] + user + [
                    "--", "/usr/bin/env", "DBUS_SYSTEM_BUS_ADDRESS=\(fixture.bus.address)", copy,
                ] + arguments, on: fixture.loop)
        }
        let nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        let member = ["--reuid=\(accounts.user)", "--regid=nogroup", "--init-groups"]

        for arguments in [["status"], ["pause", "--for", "1m"]] {
            let denied = try pivlink(as: nobody, arguments)
            #expect(denied.status == 1, "\(arguments): \(denied.output)")
            #expect(denied.output == "pivlink: the bus policy does not let this user call the station: join the pivlink group (or run as root)\n")
        }
        let status = try pivlink(as: member, ["status", "--json"])
        #expect(status.status == 0 && status.output.contains("\"State\":\"lost\""), "\(status.output)")
        let paused = try pivlink(as: member, ["pause", "--for", "1m"])
        #expect(paused.status == 0, "\(paused.output)")
        #expect(fixture.handlers.pauses == [.seconds(60)])
    }
}
