import BusTesting
import CardDaemon
import DBus
import EventLoop
import Foundation
import Pairing
import Testing

/// CardBusService on a private dbus-daemon: its properties and their reading back, its methods, their bounds and
/// errors, and its introspection against dbus/org.pivlink.Card1.xml.
@Suite struct CardBusServiceTests {
    static let invalidArgs = "org.freedesktop.DBus.Error.InvalidArgs"

    final class Calls {
        var started: [(Duration, String)] = []
        var confirmed: [String] = []
        var rejections = 0
        var cancellations = 0
        var unpaired: [String] = []
        var error: CardDaemonError?
    }

    final class Fixture {
        let objects: BusObjectFixture
        let calls = Calls()
        let service: CardBusService

        var loop: EventLoop { objects.loop }
        var server: DBusConnection { objects.server }
        var client: DBusConnection { objects.client }

        init() throws {
            objects = try BusObjectFixture(path: CardBusService.objectPath, interface: CardBusService.interfaceName)
            let calls = calls
            func check() throws(CardDaemonError) {
                if let error = calls.error { throw error }
            }
            service = try CardBusService(
                connection: objects.server,
                status: CardBusStatus(fingerprint: "3f9a-12c0-77de-0b41"),
                handlers: CardBusService.Handlers(
                    startPairing: { duration, name throws(CardDaemonError) in
                        try check()
                        calls.started.append((duration, name))
                    },
                    confirmPairing: { code throws(CardDaemonError) in
                        try check()
                        calls.confirmed.append(code.digits)
                    },
                    rejectPairing: { () throws(CardDaemonError) in calls.rejections += 1 },
                    cancelPairing: { () throws(CardDaemonError) in calls.cancellations += 1 },
                    unpair: { fingerprint throws(CardDaemonError) in
                        try check()
                        calls.unpaired.append(fingerprint.description)
                    }))
        }

        func call(interface: String? = nil, _ member: String, _ arguments: [DBusValue] = []) throws
            -> Result<[DBusValue], DBusError>
        {
            try objects.call(interface: interface, member, arguments)
        }

        func properties() throws -> [String: DBusValue] {
            try objects.properties()
        }
    }

    @Test func thePropertiesShowTheStatusAndReadBackAsIt() throws {
        let fixture = try Fixture()
        var status = CardBusStatus(
            fingerprint: "3f9a-12c0-77de-0b41",
            pairings: [.init(fingerprint: "0000-1111-2222-3333", name: "desk-42"), .init(fingerprint: "4444-5555-6666-7777", name: "lab")])
        status.pairing = CardPairingSession.Status(state: .code, code: "123456", peer: "0000-1111-2222-3333", result: "")
        status.station = "4444-5555-6666-7777"
        try fixture.service.update(status)
        let properties = try fixture.properties()
        #expect(properties["PairingCode"] == .string("123456"))
        #expect(properties["Pairings"]?.type.signature == "a(ss)")
        #expect(try CardBusProperty.status(from: properties) == status)
        var broken = properties
        broken["PairingState"] = .string("asleep")
        #expect(throws: CardDaemonError.self) { try CardBusProperty.status(from: broken) }
    }

    @Test func anUpdateEmitsOnePropertiesChangedWithWhatChanged() throws {
        let fixture = try Fixture()
        var changes: [DBusPropertiesChange] = []
        var installed = false
        let match = try fixture.client.matchPropertiesChanged(
            sender: fixture.server.uniqueName(), interface: CardBusService.interfaceName, installed: { _ in installed = true }
        ) { changes.append($0) }
        defer { match.cancel() }
        #expect(fixture.loop.run(until: { installed }))
        var status = fixture.service.status
        status.pairing.state = .open
        try fixture.service.update(status)
        try fixture.service.update(status)
        #expect(fixture.loop.run(until: { changes.count == 1 }))
        #expect(changes.first?.changed == ["PairingState": .string("open")])
    }

    @Test func theMethodsCheckTheirArgumentsAndReachTheHandlers() throws {
        let fixture = try Fixture()
        for seconds: UInt32 in [9, 601] {
            guard case .failure(let error) = try fixture.call("StartPairing", [.uint32(seconds), .string("")]) else {
                Issue.record("StartPairing(\(seconds)) was accepted")
                continue
            }
            #expect(error.name == Self.invalidArgs)
        }
        _ = try fixture.call("StartPairing", [.uint32(120), .string("desk-42")]).get()
        #expect(fixture.calls.started.map(\.0) == [.seconds(120)])
        #expect(fixture.calls.started.map(\.1) == ["desk-42"])

        guard case .failure(let badCode) = try fixture.call("ConfirmPairing", [.string("12345")]) else {
            Issue.record("a 5-digit code was accepted")
            return
        }
        #expect(badCode.name == Self.invalidArgs)
        _ = try fixture.call("ConfirmPairing", [.string("123456")]).get()
        _ = try fixture.call("RejectPairing").get()
        _ = try fixture.call("CancelPairing").get()
        _ = try fixture.call("Unpair", [.string("3F9A-12C0-77DE-0B41")]).get()
        #expect(fixture.calls.confirmed == ["123456"])
        #expect(fixture.calls.rejections == 1 && fixture.calls.cancellations == 1)
        #expect(fixture.calls.unpaired == ["3f9a-12c0-77de-0b41"])
    }

    @Test func aHandlersErrorReachesTheCallerAsACardErrorWithItsDetail() throws {
        let fixture = try Fixture()
        fixture.calls.error = CardDaemonError(.notPaired, "no station 3f9a-12c0-77de-0b41 is paired")
        guard case .failure(let error) = try fixture.call("Unpair", [.string("3f9a-12c0-77de-0b41")]) else {
            Issue.record("Unpair succeeded although its handler threw")
            return
        }
        #expect(error.name == "org.pivlink.Card1.Error.NotPaired")
        #expect(error.message == "no station 3f9a-12c0-77de-0b41 is paired")
    }

    @Test func introspectionMatchesTheInterfaceInDbusDirectory() throws {
        let fixture = try Fixture()
        let introspected = try fixture.objects.introspectedInterface(against: "org.pivlink.Card1.xml")
        let servedInterface = try #require(introspected.served)
        let fileInterface = try #require(introspected.file)
        #expect(fileInterface == servedInterface)
        #expect(introspected.wholeFile.contains("<node name=\"\(CardBusService.objectPath)\">"))
    }
}
