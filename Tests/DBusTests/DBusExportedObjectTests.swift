import BusTesting
import DBus
import EventLoop
import Testing

@Suite struct DBusExportedObjectTests {
    static let root: DBusObjectPath = "/app"
    static let path: DBusObjectPath = "/app/service0"
    static let properties = "org.freedesktop.DBus.Properties"
    static let objectManager = "org.freedesktop.DBus.ObjectManager"
    static let interfaceName = "org.pivlink.Gadget1"

    /// A gadget with a writable name, a read-only count, a value that announces itself and a token that
    /// is only invalidated. Its handlers hold it strongly, so an exported gadget lives as long as its
    /// object (nothing here holds the object back, so there is no cycle).
    final class Gadget {
        var name = "first"
        var value: [UInt8] = [1]
        var token = "t1"
        var failReads = false

        func interface() -> DBusInterface {
            DBusInterface(
                DBusExportedObjectTests.interfaceName,
                methods: [DBusMethod("Reset") { [self] call in
                    value = []
                    call.reply()
                }],
                properties: [
                    DBusProperty(
                        "Name", type: .string, get: { [self] in .string(name) },
                        set: { [self] newValue throws(DBusError) in
                            guard let text = newValue.string, !text.isEmpty else {
                                throw DBusError(name: "org.bluez.Error.InvalidArguments", message: "empty name")
                            }
                            name = text
                        }),
                    DBusProperty("Count", type: .uint32, changeSignal: .constant) { .uint32(7) },
                    DBusProperty("Value", type: .array(.byte)) { [self] () throws(DBusError) in
                        guard !failReads else {
                            throw DBusError(name: "org.bluez.Error.NotPermitted", message: "Read not permitted")
                        }
                        return .bytes(value)
                    },
                    DBusProperty("Token", type: .string, changeSignal: .emitsInvalidation) { [self] in
                        .string(token)
                    },
                ],
                signals: [DBusSignalDeclaration("Reset", arguments: [DBusArgument("reason", .string)])]
            )
        }
    }

    @Test func propertiesCanBeReadOneByOneOrAllAtOnce() throws {
        let fixture = try BusFixture()
        let gadget = Gadget()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [gadget.interface()])
        let name = try fixture.call(
            path: Self.path, interface: Self.properties, member: "Get",
            arguments: [.string(Self.interfaceName), .string("Name")]
        )
        #expect(try name?.get() == [.variant(.string("first"))])
        let all = try fixture.call(
            path: Self.path, interface: Self.properties, member: "GetAll", arguments: [.string(Self.interfaceName)]
        )
        #expect(
            try all?.get().first?.variantDictionary
                == ["Name": .string("first"), "Count": .uint32(7), "Value": .bytes([1]), "Token": .string("t1")]
        )
        gadget.failReads = true
        let refused = try fixture.call(
            path: Self.path, interface: Self.properties, member: "Get",
            arguments: [.string(Self.interfaceName), .string("Value")]
        )
        #expect(DBusConnectionTests.errorName(refused) == "org.bluez.Error.NotPermitted")
        #expect(object.isExported)
    }

    @Test func settingGoesThroughTheSetterAndIsCheckedFirst() throws {
        let fixture = try BusFixture()
        let gadget = Gadget()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [gadget.interface()])
        func set(_ property: String, _ value: DBusValue) throws -> Result<[DBusValue], DBusError>? {
            try fixture.call(
                path: Self.path, interface: Self.properties, member: "Set",
                arguments: [.string(Self.interfaceName), .string(property), .variant(value)]
            )
        }
        #expect(try set("Name", .string("second"))?.get() == [])
        #expect(gadget.name == "second")
        #expect(DBusConnectionTests.errorName(try set("Name", .string(""))) == "org.bluez.Error.InvalidArguments")
        #expect(DBusConnectionTests.errorName(try set("Name", .uint32(1))) == "org.freedesktop.DBus.Error.InvalidArgs")
        #expect(DBusConnectionTests.errorName(try set("Count", .uint32(1))) == "org.freedesktop.DBus.Error.PropertyReadOnly")
        #expect(DBusConnectionTests.errorName(try set("Nope", .uint32(1))) == "org.freedesktop.DBus.Error.UnknownProperty")
        #expect(gadget.name == "second")
        #expect(object.isExported)
    }

    @Test func propertiesChangedCarriesNewValuesAndInvalidations() throws {
        let fixture = try BusFixture()
        let gadget = Gadget()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [gadget.interface()])
        var changes: [[DBusValue]] = []
        let match = try fixture.installedMatch(
            DBusMatchRule(path: Self.path, interface: Self.properties, member: "PropertiesChanged")
        ) { changes.append($0.arguments) }
        gadget.value = [9, 8]
        gadget.token = "t2"
        try object.emitPropertiesChanged(interface: Self.interfaceName, properties: ["Value", "Token"])
        #expect(fixture.loop.run(until: { changes.count == 1 }))
        #expect(
            changes.first == [
                .string(Self.interfaceName), .variantDictionary(["Value": .bytes([9, 8])]), .strings(["Token"]),
            ])
        #expect(throws: DBusError.self) {
            try object.emitPropertiesChanged(interface: Self.interfaceName, properties: ["Count"])
        }
        #expect(throws: DBusError.self) {
            try object.emitPropertiesChanged(interface: "org.pivlink.Missing1", properties: ["Value"])
        }
        #expect(match.isActive)
    }

    @Test func theObjectManagerListsAndAnnouncesItsObjects() throws {
        let fixture = try BusFixture()
        let manager = try fixture.server.addObjectManager(at: Self.root)
        var added: [[DBusValue]] = []
        var removed: [[DBusValue]] = []
        let addedMatch = try fixture.installedMatch(
            DBusMatchRule(path: Self.root, interface: Self.objectManager, member: "InterfacesAdded")
        ) { added.append($0.arguments) }
        let removedMatch = try fixture.installedMatch(
            DBusMatchRule(path: Self.root, interface: Self.objectManager, member: "InterfacesRemoved")
        ) { removed.append($0.arguments) }

        let gadget = Gadget()
        var object: DBusExportedObject? = try fixture.server.exportObject(at: Self.path, interfaces: [gadget.interface()])
        let other = try fixture.server.exportObject(at: "/app/service1", interfaces: [Gadget().interface()])
        #expect(fixture.loop.run(until: { added.count == 2 }))
        let gadgetProperties: [String: DBusValue] = [
            "Name": .string("first"), "Count": .uint32(7), "Value": .bytes([1]), "Token": .string("t1"),
        ]
        // sd-bus leaves invalidation-only properties out of InterfacesAdded.
        var announced = gadgetProperties
        announced["Token"] = nil
        #expect(added.first?.first == .objectPath(Self.path))
        let addedInterfaces = added.first?.last?.dictionaryEntries
        #expect(addedInterfaces?.map(\.key) == [.string(Self.interfaceName)])
        #expect(addedInterfaces?.first?.value.variantDictionary == announced)

        let managed = try fixture.call(path: Self.root, interface: Self.objectManager, member: "GetManagedObjects")
        let objects = try managed?.get().first?.dictionaryEntries ?? []
        #expect(Set(objects.compactMap(\.key.objectPath)) == [Self.path, "/app/service1"])
        let interfaces = objects.first { $0.key == .objectPath(Self.path) }?.value.dictionaryEntries ?? []
        #expect(interfaces.first { $0.key == .string(Self.interfaceName) }?.value.variantDictionary == gadgetProperties)

        object?.remove()
        #expect(object?.isExported == false)
        #expect(fixture.loop.run(until: { removed.count == 1 }))
        #expect(removed.first == [.objectPath(Self.path), .strings([Self.interfaceName])])
        object = nil
        let gone = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Reset")
        #expect(DBusConnectionTests.errorName(gone) == "org.freedesktop.DBus.Error.UnknownObject")
        #expect(other.isExported && manager.isActive && addedMatch.isActive && removedMatch.isActive)
    }

    @Test func releasingTheObjectAnnouncesAndUnexportsIt() throws {
        let fixture = try BusFixture()
        let manager = try fixture.server.addObjectManager(at: Self.root)
        var removed: [[DBusValue]] = []
        let removedMatch = try fixture.installedMatch(
            DBusMatchRule(path: Self.root, interface: Self.objectManager, member: "InterfacesRemoved")
        ) { removed.append($0.arguments) }
        var object: DBusExportedObject? = try fixture.server.exportObject(at: Self.path, interfaces: [Gadget().interface()])
        #expect(object?.isExported == true)
        object = nil
        #expect(fixture.loop.run(until: { removed.count == 1 }))
        #expect(removed.first == [.objectPath(Self.path), .strings([Self.interfaceName])])
        #expect(manager.isActive && removedMatch.isActive)
    }

    @Test func aFailedExportLeavesNothingBehind() throws {
        let fixture = try BusFixture()
        let first = try fixture.server.exportObject(at: Self.path, interfaces: [Gadget().interface()])
        let extra = DBusInterface("org.pivlink.Extra1", methods: [DBusMethod("Poke") { $0.reply() }])
        do {
            _ = try fixture.server.exportObject(at: Self.path, interfaces: [extra, Gadget().interface()])
            Issue.record("exported \(Self.interfaceName) twice at \(Self.path)")
        } catch {
            #expect(error.code == .invalidArguments)
        }
        let poke = try fixture.call(path: Self.path, interface: "org.pivlink.Extra1", member: "Poke")
        #expect(DBusConnectionTests.errorName(poke) == "org.freedesktop.DBus.Error.UnknownMethod")
        let reset = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Reset")
        #expect(try reset?.get() == [])
        #expect(first.isExported)
    }

    @Test func anInterfaceCannotDeclareAMemberTwice() throws {
        let fixture = try BusFixture()
        let twice = DBusInterface(
            "org.pivlink.Twice1", methods: [DBusMethod("A") { $0.reply() }, DBusMethod("A") { $0.reply() }]
        )
        do {
            _ = try fixture.server.exportObject(at: Self.path, interfaces: [twice])
            Issue.record("exported a method twice")
        } catch {
            #expect(error.code == .invalidArguments)
        }
    }

    @Test func signalsComeFromTheObject() throws {
        let fixture = try BusFixture()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [Gadget().interface()])
        var received: [DBusSignal] = []
        let match = try fixture.installedMatch(DBusMatchRule(interface: Self.interfaceName, member: "Reset")) {
            received.append($0)
        }
        try object.emitSignal(interface: Self.interfaceName, member: "Reset", arguments: [.string("test")])
        #expect(fixture.loop.run(until: { !received.isEmpty }))
        #expect(received.first?.path == Self.path)
        #expect(received.first?.arguments == [.string("test")])
        #expect(match.isActive)
    }
}
