import BusTesting
import DBus
import EventLoop
import Testing

/// The parsed standard signals (PropertiesChanged, InterfacesAdded/Removed, NameOwnerChanged), end to end
/// through their matches, and their parsers on malformed input.
@Suite struct DBusStandardSignalsTests {
    static let root: DBusObjectPath = "/org/bluez"
    static let device: DBusObjectPath = "/org/bluez/hci0/dev_00_AA_01_00_00_00"
    static let deviceInterface = "org.bluez.Device1"

    @Test func theStandardSignalsArriveParsed() throws {
        let fixture = try BusFixture()
        let name = "org.bluez"
        var installations = 0
        let countInstallation: (Result<Void, DBusError>) -> Void = { _ in installations += 1 }
        var owners: [DBusNameOwnerChange] = []
        let ownerMatch = try fixture.client.matchNameOwnerChanged(name: name, installed: countInstallation) {
            owners.append($0)
        }
        #expect(fixture.loop.run(until: { installations == 1 }))
        var requested: Result<DBusNameRequestResult, DBusError>?
        try fixture.server.requestName(name) { requested = $0 }
        #expect(fixture.loop.run(until: { requested != nil && owners.count == 1 }))
        #expect(owners.first?.name == name)
        #expect(owners.first?.oldOwner == nil)
        #expect(owners.first?.newOwner == (try fixture.server.uniqueName()))

        var changes: [DBusPropertiesChange] = []
        var added: [DBusInterfacesAdded] = []
        var removed: [DBusInterfacesRemoved] = []
        let changeMatch = try fixture.client.matchPropertiesChanged(
            sender: name, pathNamespace: Self.root, interface: Self.deviceInterface, installed: countInstallation
        ) { changes.append($0) }
        let addedMatch = try fixture.client.matchInterfacesAdded(
            sender: name, managerPath: .root, installed: countInstallation
        ) { added.append($0) }
        let removedMatch = try fixture.client.matchInterfacesRemoved(
            sender: name, managerPath: .root, installed: countInstallation
        ) { removed.append($0) }
        #expect(fixture.loop.run(until: { installations == 4 }))

        let manager = try fixture.server.addObjectManager(at: .root)
        var rssi: Int16 = -60
        var device: DBusExportedObject? = try fixture.server.exportObject(
            at: Self.device,
            interfaces: [
                DBusInterface(Self.deviceInterface, properties: [DBusProperty("RSSI", type: .int16) { .int16(rssi) }]),
                DBusInterface("org.bluez.Other1", properties: [DBusProperty("X", type: .byte) { .byte(1) }]),
            ])
        rssi = -48
        try device?.emitPropertiesChanged(interface: "org.bluez.Other1", properties: ["X"])
        try device?.emitPropertiesChanged(interface: Self.deviceInterface, properties: ["RSSI"])
        device = nil
        #expect(fixture.loop.run(until: { !changes.isEmpty && !added.isEmpty && !removed.isEmpty }))
        #expect(changes.count == 1)
        #expect(changes.first?.interface == Self.deviceInterface)
        #expect(changes.first?.path == Self.device)
        #expect(changes.first?.changed == ["RSSI": .int16(-48)])
        #expect(changes.first?.invalidated == [])
        #expect(added.first?.object == Self.device)
        #expect(added.first?.interfaces == [Self.deviceInterface: ["RSSI": .int16(-60)], "org.bluez.Other1": ["X": .byte(1)]])
        #expect(removed.first?.object == Self.device)
        #expect(Set(removed.first?.interfaces ?? []) == [Self.deviceInterface, "org.bluez.Other1"])

        fixture.server.close()
        #expect(fixture.loop.run(until: { owners.count == 2 }))
        #expect(owners.last?.newOwner == nil)
        #expect(manager.isActive && ownerMatch.isActive && changeMatch.isActive && addedMatch.isActive && removedMatch.isActive)
    }

    @Test func malformedSignalsAreNotParsed() {
        let wrongShape = DBusSignal(
            sender: ":1.1", path: "/a", interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged",
            arguments: [.string("x"), .strings([]), .strings([])]
        )
        #expect(DBusPropertiesChange(wrongShape) == nil)
        let wrongMember = DBusSignal(
            sender: ":1.1", path: "/a", interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesRemoved",
            arguments: [.objectPath("/a"), .variantDictionary([:])]
        )
        #expect(DBusInterfacesAdded(wrongMember) == nil)
        #expect(DBusInterfacesRemoved(wrongMember) == nil)
        let shortOwnerChange = DBusSignal(
            sender: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "NameOwnerChanged", arguments: [.string("a"), .string("")]
        )
        #expect(DBusNameOwnerChange(shortOwnerChange) == nil)
        let addedWithBadProperties = DBusSignal(
            sender: ":1.1", path: "/", interface: "org.freedesktop.DBus.ObjectManager", member: "InterfacesAdded",
            arguments: [
                .objectPath("/a"),
                .dictionary(key: .string, value: .array(.string), [(.string("org.x.Y1"), .strings(["no"]))]),
            ]
        )
        #expect(DBusInterfacesAdded(addedWithBadProperties) == nil)
    }
}
