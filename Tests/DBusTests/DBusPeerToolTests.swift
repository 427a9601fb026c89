import BusTesting
import DBus
import EventLoop
import Testing

/// busctl and dbus-send, independent D-Bus implementations, against objects this process exports.
@Suite struct DBusPeerToolTests {
    static let path: DBusObjectPath = "/org/pivlink/Station"
    static let interfaceName = "org.pivlink.Station1"

    final class Station {
        var locked = false
        var threshold: Int16 = -70

        func interface() -> DBusInterface {
            DBusInterface(
                DBusPeerToolTests.interfaceName,
                methods: [
                    DBusMethod(
                        "Lock", inputs: [DBusArgument("reason", .string)], outputs: [DBusArgument("was_locked", .boolean)]
                    ) { [self] call in
                        let wasLocked = locked
                        locked = true
                        call.reply([.boolean(wasLocked)])
                    }
                ],
                properties: [
                    DBusProperty(
                        "Threshold", type: .int16, get: { [self] in .int16(threshold) },
                        set: { [self] value in threshold = value.int16 ?? threshold }
                    ),
                    DBusProperty("Locked", type: .boolean) { [self] in .boolean(locked) },
                ],
                signals: [DBusSignalDeclaration("Presence", arguments: [DBusArgument("near", .boolean)])]
            )
        }
    }

    @Test func busctlCallsIntrospectsAndSetsProperties() throws {
        let fixture = try BusFixture()
        let station = Station()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [station.interface()])
        let service = try fixture.server.uniqueName()
        func busctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try ChildProcess.run(
                ["/usr/bin/busctl", "--address=\(fixture.bus.address)"] + arguments, on: fixture.loop
            )
        }
        let call = try busctl(["call", service, Self.path.rawValue, Self.interfaceName, "Lock", "s", "test"])
        #expect(call.status == 0)
        #expect(call.output == "b false\n")
        #expect(station.locked)

        let introspection = try busctl(["introspect", service, Self.path.rawValue])
        #expect(introspection.status == 0)
        let lines = introspection.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("org.pivlink.Station1 interface - - -"))
        #expect(lines.contains(".Lock method s b -"))
        #expect(lines.contains(".Locked property b true emits-change"))
        #expect(lines.contains(".Threshold property n -70 emits-change writable"))
        #expect(lines.contains(".Presence signal b - -"))

        let set = try busctl(["set-property", service, Self.path.rawValue, Self.interfaceName, "Threshold", "n", "--", "-55"])
        #expect(set.status == 0)
        #expect(station.threshold == -55)
        let get = try busctl(["get-property", service, Self.path.rawValue, Self.interfaceName, "Threshold"])
        #expect(get.output == "n -55\n")
        let failed = try busctl(["call", service, Self.path.rawValue, Self.interfaceName, "Unlock"])
        #expect(failed.status != 0)
        #expect(failed.output.contains("Unknown method") || failed.output.contains("UnknownMethod"))
        #expect(object.isExported)
    }

    @Test func dbusSendCallsAMethod() throws {
        let fixture = try BusFixture()
        let station = Station()
        station.locked = true
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [station.interface()])
        let result = try ChildProcess.run(
            [
                "/usr/bin/dbus-send", "--bus=\(fixture.bus.address)", "--print-reply",
                "--dest=\(try fixture.server.uniqueName())", Self.path.rawValue, "\(Self.interfaceName).Lock",
                "string:again",
            ], on: fixture.loop
        )
        #expect(result.status == 0)
        #expect(result.output.contains("boolean true"))
        #expect(object.isExported)
    }
}
