import BusTesting
import DBus
import EventLoop
import Foundation
import StationDaemon
import Testing

/// StationBusService on a private dbus-daemon: its properties and PropertiesChanged, its methods and their bounds,
/// the deferred reply of Calibrate, its introspection against dbus/org.pivlink.Station1.xml, and the bus policy
/// dbus/org.pivlink.Station1.conf enforced by a real dbus-daemon for root, a group member and another user.
@Suite struct StationBusServiceTests {
    static let invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"

    private static func seated() -> StationStatus {
        var status = StationStatus(device: "AA:BB:CC:DD:EE:FF")
        status.state = .near
        status.rssi = -58.4
        status.isLinkUp = true
        status.isCardPresent = true
        status.lastLockReason = "walked away: -84 dBm for 3 s"
        status.lastLockTime = 1_796_000_000_000_000
        status.pausedUntil = 1_796_000_900_000_000
        status.fingerprint = "1a2b-3c4d-5e6f-7081"
        status.pairings = [
            .init(fingerprint: "3f9a-12c0-77de-0b41", name: "Anna's phone"), .init(fingerprint: "0000-1111-2222-3333", name: "tablet"),
        ]
        status.pairingState = .code
        status.pairingCode = "042917"
        status.pairingPeer = "3f9a-12c0-77de-0b41"
        return status
    }

    @Test func beforeAnythingIsKnownThePropertiesSayLostNotHeardAndNever() throws {
        let fixture = try StationBusFixture()
        let properties = try fixture.properties()
        #expect(properties == [
            "State": .string("lost"), "Device": .string("AA:BB:CC:DD:EE:FF"), "RSSI": .int16(127),
            "LinkUp": .boolean(false), "CardPresent": .boolean(false), "LastLockReason": .string(""),
            "LastLockTime": .uint64(0), "AutoLockPausedUntil": .uint64(0), "Fingerprint": .string(""),
            "Pairings": .array(.structure([.string, .string]), []), "PairingState": .string("idle"),
            "PairingCode": .string(""), "PairingPeer": .string(""), "PairingResult": .string(""),
        ])
        #expect(try StationBusProperty.status(from: properties) == StationStatus(device: "AA:BB:CC:DD:EE:FF"))
    }

    @Test func thePropertiesFollowTheStatusAndReadBackAsIt() throws {
        let fixture = try StationBusFixture()
        try fixture.service.update(Self.seated())
        let properties = try fixture.properties()
        #expect(properties == [
            "State": .string("near"), "Device": .string("AA:BB:CC:DD:EE:FF"), "RSSI": .int16(-58),
            "LinkUp": .boolean(true), "CardPresent": .boolean(true),
            "LastLockReason": .string("walked away: -84 dBm for 3 s"),
            "LastLockTime": .uint64(1_796_000_000_000_000), "AutoLockPausedUntil": .uint64(1_796_000_900_000_000),
            "Fingerprint": .string("1a2b-3c4d-5e6f-7081"),
            "Pairings": .array(.structure([.string, .string]), [
                .structure([.string("3f9a-12c0-77de-0b41"), .string("Anna's phone")]),
                .structure([.string("0000-1111-2222-3333"), .string("tablet")]),
            ]),
            "PairingState": .string("code"), "PairingCode": .string("042917"),
            "PairingPeer": .string("3f9a-12c0-77de-0b41"), "PairingResult": .string(""),
        ])
        var expected = Self.seated()
        expected.rssi = -58
        #expect(try StationBusProperty.status(from: properties) == expected)
        #expect(try fixture.call(interface: "org.freedesktop.DBus.Properties", "Get", [
            .string(StationBusService.interfaceName), .string("State"),
        ]).get() == [.variant(.string("near"))])
    }

    @Test func rssiIsClampedToHCIsRangeSoThatOnly127MeansNotHeard() {
        var status = StationStatus(device: "d")
        for (dBm, bus) in [(-200.0, Int16(-127)), (50, 20), (126.9, 20), (-0.4, 0), (Double.nan, 127)] {
            status.rssi = dBm
            #expect(StationBusProperty.rssi.value(of: status) == .int16(bus), "\(dBm) dBm")
        }
    }

    @Test func readingBackRefusesAMissingOrMistypedPropertyOrAnUnknownState() throws {
        let fixture = try StationBusFixture()
        let properties = try fixture.properties()
        for broken in [
            properties.filter { $0.key != "CardPresent" },
            properties.merging(["RSSI": .int32(-50)]) { $1 },
            properties.merging(["State": .string("asleep")]) { $1 },
        ] {
            #expect(throws: StationDaemonError.self) { try StationBusProperty.status(from: broken) }
        }
    }

    @Test func anUpdateEmitsOnePropertiesChangedWithExactlyTheChangedProperties() throws {
        let fixture = try StationBusFixture()
        var changes: [DBusPropertiesChange] = []
        var installed: Result<Void, DBusError>?
        let match = try fixture.client.matchPropertiesChanged(
            sender: fixture.server.uniqueName(), interface: StationBusService.interfaceName,
            installed: { installed = $0 }
        ) { changes.append($0) }
        defer { match.cancel() }
        #expect(fixture.loop.run(until: { installed != nil }))

        var status = StationStatus(device: "AA:BB:CC:DD:EE:FF")
        status.state = .near
        status.rssi = -60.2
        try fixture.service.update(status)
        #expect(fixture.loop.run(until: { changes.count == 1 }))
        #expect(changes.first?.changed == ["State": .string("near"), "RSSI": .int16(-60)])
        #expect(changes.first?.invalidated == [])

        // The same whole dBm, and the same status: nothing on the bus. The next real change is the next signal.
        status.rssi = -60.4
        try fixture.service.update(status)
        try fixture.service.update(status)
        status.isLinkUp = true
        try fixture.service.update(status)
        #expect(fixture.loop.run(until: { changes.count == 2 }))
        #expect(changes.last?.changed == ["LinkUp": .boolean(true)])
        #expect(fixture.service.status == status)
    }

    @Test func theNameIsOwnedAndASecondStationIsRefused() throws {
        let fixture = try StationBusFixture()
        try fixture.requestName().get()
        let owner = try fixture.client.callAndWait(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "GetNameOwner", arguments: [.string(StationBusService.busName)])
        #expect(owner == [.string(try fixture.server.uniqueName())])

        let second = try StationBusFixture(bus: fixture.bus)
        let error = try #require(throws: StationDaemonError.self) { try second.requestName().get() }
        #expect(error.code == .busFailed)
        #expect(error.detail.contains("another pivlink-station"))
    }

    @Test func pauseTakesOneSecondToEightHoursAndRefusesTheRestAsInvalidArgs() throws {
        let fixture = try StationBusFixture()
        for seconds: UInt32 in [0, 28_801, .max] {
            let result = try fixture.call("PauseAutoLock", [.uint32(seconds)])
            guard case .failure(let error) = result else {
                Issue.record("PauseAutoLock(\(seconds)) was accepted")
                continue
            }
            #expect(error.name == Self.invalidArgs)
            #expect(error.message == "pause auto-lock for 1 to 28800 seconds, not \(seconds)")
        }
        #expect(fixture.handlers.pauses.isEmpty)
        _ = try fixture.call("PauseAutoLock", [.uint32(1)]).get()
        _ = try fixture.call("PauseAutoLock", [.uint32(28_800)]).get()
        #expect(fixture.handlers.pauses == [.seconds(1), .seconds(28_800)])
        _ = try fixture.call("ResumeAutoLock").get()
        #expect(fixture.handlers.resumes == 1)
    }

    @Test func aHandlersErrorReachesTheCallerAsAStationErrorWithItsDetail() throws {
        let fixture = try StationBusFixture()
        fixture.handlers.pauseError = StationDaemonError(.noUserSession, "alice has no graphical session to lock")
        let result = try fixture.call("PauseAutoLock", [.uint32(60)])
        guard case .failure(let error) = result else {
            Issue.record("PauseAutoLock succeeded although its handler threw")
            return
        }
        #expect(error.name == "org.pivlink.Station1.Error.NoUserSession")
        #expect(error.message == "alice has no graphical session to lock")
    }

    @Test func pairTakesANameAndTenSecondsToTenMinutesAndTheCeremonyCallsReachTheHandlers() throws {
        let fixture = try StationBusFixture()
        for seconds: UInt32 in [9, 601] {
            let result = try fixture.call("Pair", [.string("phone"), .uint32(seconds)])
            guard case .failure(let error) = result else {
                Issue.record("Pair for \(seconds) s was accepted")
                continue
            }
            #expect(error.name == Self.invalidArgs)
        }
        _ = try fixture.call("Pair", [.string("Anna's phone"), .uint32(120)]).get()
        #expect(fixture.handlers.pairs.map(\.name) == ["Anna's phone"])
        #expect(fixture.handlers.pairs.map(\.duration) == [.seconds(120)])

        for code in ["12345", "1234567", "12a456", ""] {
            guard case .failure(let error) = try fixture.call("ConfirmPairing", [.string(code)]) else {
                Issue.record("ConfirmPairing(\(code)) was accepted")
                continue
            }
            #expect(error.name == Self.invalidArgs)
        }
        _ = try fixture.call("ConfirmPairing", [.string("042917")]).get()
        #expect(fixture.handlers.confirmations.map(\.digits) == ["042917"])
        _ = try fixture.call("RejectPairing").get()
        _ = try fixture.call("CancelPairing").get()
        #expect(fixture.handlers.rejections == 1 && fixture.handlers.cancellations == 1)

        fixture.handlers.pairingError = StationDaemonError(.pairingFailed, "no pairing code to confirm")
        guard case .failure(let error) = try fixture.call("ConfirmPairing", [.string("042917")]) else {
            Issue.record("ConfirmPairing succeeded although its handler threw")
            return
        }
        #expect(error.name == "org.pivlink.Station1.Error.PairingFailed")
        #expect(error.message == "no pairing code to confirm")
    }

    @Test func unpairParsesTheFingerprintAndAnswersWhetherTheCardForgotToo() throws {
        let fixture = try StationBusFixture()
        guard case .failure(let invalid) = try fixture.call("Unpair", [.string("3f9a-12c0")]) else {
            Issue.record("Unpair accepted half a fingerprint")
            return
        }
        #expect(invalid.name == Self.invalidArgs)
        fixture.handlers.unpairAnswer = .success(true)
        #expect(try fixture.call("Unpair", [.string("3F9A-12C0-77DE-0B41")]).get() == [.boolean(true)])
        fixture.handlers.unpairAnswer = .failure(StationDaemonError(.notPaired, "no such card"))
        guard case .failure(let notPaired) = try fixture.call("Unpair", [.string("3f9a12c077de0b41")]) else {
            Issue.record("Unpair succeeded although its handler failed")
            return
        }
        #expect(notPaired.name == "org.pivlink.Station1.Error.NotPaired")
        #expect(fixture.handlers.unpairs.map(\.description) == ["3f9a-12c0-77de-0b41", "3f9a-12c0-77de-0b41"])
    }

    @Test func calibrateRepliesOnlyWhenTheCalibrationEnds() throws {
        let fixture = try StationBusFixture()
        var reply: Result<[DBusValue], DBusError>?
        try fixture.send("Calibrate", [.uint32(6)]) { reply = $0 }
        #expect(fixture.loop.run(until: { fixture.handlers.calibrations.count == 1 }))
        #expect(fixture.handlers.calibrations.first?.duration == .seconds(6))
        // The calibration ends later, from a timer on the loop: the caller has waited, with no reply, until then.
        let finish = try fixture.loop.makeTimer { fixture.handlers.calibrations.first?.completion(.success(-61.6)) }
        try finish.arm(after: .milliseconds(300))
        let asked = MonotonicInstant.now()
        #expect(fixture.loop.run(until: { reply != nil }))
        #expect(asked.duration(to: MonotonicInstant.now()) >= .milliseconds(250))
        #expect(try reply?.get() == [.int16(-62)])
    }

    @Test func aFailedCalibrationAndOneOutOfBoundsAreErrors() throws {
        let fixture = try StationBusFixture()
        var reply: Result<[DBusValue], DBusError>?
        try fixture.send("Calibrate", [.uint32(10)]) { reply = $0 }
        #expect(fixture.loop.run(until: { fixture.handlers.calibrations.count == 1 }))
        let detail = "heard 3 RSSI samples, 10 needed: keep the phone connected and calibrate for longer"
        fixture.handlers.calibrations.first?.completion(.failure(StationDaemonError(.calibrationFailed, detail)))
        #expect(fixture.loop.run(until: { reply != nil }))
        guard case .failure(let error) = reply else {
            Issue.record("a failed calibration answered \(String(describing: reply))")
            return
        }
        #expect(error.name == "org.pivlink.Station1.Error.CalibrationFailed")
        #expect(error.message == detail)

        for seconds: UInt32 in [4, 121] {
            let result = try fixture.call("Calibrate", [.uint32(seconds)])
            guard case .failure(let error) = result else {
                Issue.record("Calibrate(\(seconds)) was accepted")
                continue
            }
            #expect(error.name == Self.invalidArgs)
        }
        #expect(fixture.handlers.calibrations.count == 1)
    }

    @Test func introspectionMatchesTheInterfaceInDbusDirectory() throws {
        let fixture = try StationBusFixture()
        let introspected = try fixture.objects.introspectedInterface(against: "org.pivlink.Station1.xml")
        let servedInterface = try #require(introspected.served)
        let fileInterface = try #require(introspected.file)
        #expect(fileInterface == servedInterface)
        #expect(introspected.wholeFile.contains("<node name=\"\(StationBusService.objectPath)\">"))
    }

    // MARK: the bus policy

    @Test func thePolicyLetsRootOwnTheNameTheGroupCallAndOthersOnlyIntrospect() throws {
        try #require(getuid() == 0, "the policy test runs clients as other users: run it as root")
        let accounts = try TestAccounts()
        let policyFile = StationBusFixture.temporaryPolicyFile()
        defer { try? FileManager.default.removeItem(at: policyFile) }
        let bus = try StationBusFixture.systemBus(policyGroup: accounts.group, policyFile: policyFile)
        let fixture = try StationBusFixture(bus: bus)
        try fixture.requestName().get()

        func send(as user: [String], to destination: String = StationBusService.busName, _ arguments: [String])
            throws -> (status: Int32, output: String)
        {
            try ChildProcess.run(
                ["/usr/bin/setpriv"] + user + [
                    "--", "/usr/bin/dbus-send", "--bus=\(bus.address)", "--print-reply", "--dest=\(destination)",
                ] + arguments, on: fixture.loop)
        }
        let nobody = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        let member = ["--reuid=\(accounts.user)", "--regid=nogroup", "--init-groups"]
        let path = StationBusService.objectPath.rawValue
        let pause = [path, "org.pivlink.Station1.PauseAutoLock", "uint32:60"]
        let get = [path, "org.freedesktop.DBus.Properties.Get", "string:org.pivlink.Station1", "string:State"]
        let introspect = [path, "org.freedesktop.DBus.Introspectable.Introspect"]
        let own = ["/org/freedesktop/DBus", "org.freedesktop.DBus.RequestName", "string:org.pivlink.Station1", "uint32:4"]

        for denied in [pause, get] {
            let (status, output) = try send(as: nobody, denied)
            #expect(status != 0 && output.contains("AccessDenied"), "nobody: \(denied[1]): \(output)")
        }
        let ownedByMember = try send(as: member, to: "org.freedesktop.DBus", own)
        #expect(ownedByMember.status != 0 && ownedByMember.output.contains("AccessDenied"), "\(ownedByMember.output)")
        let introspected = try send(as: nobody, introspect)
        #expect(introspected.status == 0 && introspected.output.contains("org.pivlink.Station1"), "\(introspected.output)")
        #expect(fixture.handlers.pauses.isEmpty)

        let paused = try send(as: member, pause)
        #expect(paused.status == 0, "\(paused.output)")
        #expect(fixture.handlers.pauses == [.seconds(60)])
        let read = try send(as: member, get)
        #expect(read.status == 0 && read.output.contains("\"lost\""), "\(read.output)")
    }
}
