import BusTesting
import DBus
import EventLoop
import Testing

@Suite struct DBusConnectionTests {
    static let path: DBusObjectPath = "/org/pivlink/Test"
    static let interfaceName = "org.pivlink.Test1"

    static func adder() -> DBusInterface {
        DBusInterface(
            interfaceName,
            methods: [
                DBusMethod("Add", inputs: [.init("a", .int32), .init("b", .int32)], outputs: [.init("sum", .int32)]) {
                    call in
                    guard let a = call.arguments[0].int32, let b = call.arguments[1].int32 else { return }
                    call.reply([.int32(a &+ b)])
                },
                DBusMethod("Refuse") { _ throws(DBusError) in
                    throw DBusError(name: "org.bluez.Error.InProgress", message: "In Progress")
                },
            ])
    }

    @Test func callReturnsTheReplyOfAnotherConnectionOnTheSameLoop() throws {
        let fixture = try BusFixture()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [Self.adder()])
        let result = try fixture.call(
            path: Self.path, interface: Self.interfaceName, member: "Add", arguments: [.int32(2), .int32(40)]
        )
        #expect(try result?.get() == [.int32(42)])
        #expect(object.isExported)
    }

    @Test func errorRepliesKeepTheirName() throws {
        let fixture = try BusFixture()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [Self.adder()])
        let result = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Refuse")
        #expect(throws: DBusError(name: "org.bluez.Error.InProgress", message: "In Progress")) { try result?.get() }
        #expect(object.isExported)
    }

    @Test func unknownMembersObjectsAndArgumentsGetTheStandardErrors() throws {
        let fixture = try BusFixture()
        let object = try fixture.server.exportObject(at: Self.path, interfaces: [Self.adder()])
        let unknownMethod = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Nope")
        let unknownObject = try fixture.call(path: "/nowhere", interface: Self.interfaceName, member: "Add")
        let wrongArguments = try fixture.call(
            path: Self.path, interface: Self.interfaceName, member: "Add", arguments: [.string("2")]
        )
        #expect(Self.errorName(unknownMethod) == "org.freedesktop.DBus.Error.UnknownMethod")
        #expect(Self.errorName(unknownObject) == "org.freedesktop.DBus.Error.UnknownObject")
        #expect(Self.errorName(wrongArguments) == "org.freedesktop.DBus.Error.InvalidArgs")
        #expect(object.isExported)
    }

    @Test func aCallWithoutReplyTimesOut() throws {
        let fixture = try BusFixture()
        var pending: [DBusMethodCall] = []
        let object = try fixture.server.exportObject(
            at: Self.path,
            interfaces: [DBusInterface(Self.interfaceName, methods: [DBusMethod("Hang") { pending.append($0) }])]
        )
        let started = MonotonicInstant.now()
        let result = try fixture.call(
            path: Self.path, interface: Self.interfaceName, member: "Hang", timeout: .milliseconds(200)
        )
        let elapsed = MonotonicInstant.now() - started
        guard case .failure(let error) = result else {
            Issue.record("expected a timeout, got \(String(describing: result))")
            return
        }
        #expect(error.code == .timedOut)
        #expect(error.name == "org.freedesktop.DBus.Error.NoReply")
        #expect(elapsed >= .milliseconds(200))
        #expect(elapsed < .seconds(5))
        #expect(pending.count == 1)
        #expect(object.isExported)
    }

    @Test func signalsReachTheMatchesTheirRuleSelects() throws {
        let fixture = try BusFixture()
        var received: [DBusSignal] = []
        let rule = DBusMatchRule(
            sender: try fixture.server.uniqueName(), path: Self.path, interface: Self.interfaceName, member: "Changed",
            arguments: [0: "wanted"]
        )
        let match = try fixture.installedMatch(rule) { received.append($0) }
        // In order on one connection: had the first been delivered, it would arrive first.
        for (first, second) in [("unwanted", 1), ("wanted", 2)] {
            try fixture.server.emitSignal(
                path: Self.path, interface: Self.interfaceName, member: "Changed",
                arguments: [.string(first), .uint32(UInt32(second))]
            )
        }
        #expect(fixture.loop.run(until: { !received.isEmpty }))
        #expect(received.count == 1)
        #expect(received.first?.arguments == [.string("wanted"), .uint32(2)])
        #expect(received.first?.sender == (try fixture.server.uniqueName()))
        #expect(received.first?.path == Self.path)
        #expect(received.first?.member == "Changed")
        #expect(match.isActive)
    }

    @Test func matchesByWellKnownSenderAndPathNamespace() throws {
        let fixture = try BusFixture()
        var owned: Result<DBusNameRequestResult, DBusError>?
        try fixture.server.requestName("org.pivlink.TestService") { owned = $0 }
        #expect(fixture.loop.run(until: { owned != nil }))
        #expect(try owned?.get() == .primaryOwner)
        var paths: [DBusObjectPath] = []
        let match = try fixture.installedMatch(
            DBusMatchRule(sender: "org.pivlink.TestService", pathNamespace: "/org/pivlink")
        ) { paths.append($0.path) }
        for path: DBusObjectPath in ["/org/pivlinkX", "/org/other", "/org/pivlink/Test/child"] {
            try fixture.server.emitSignal(path: path, interface: Self.interfaceName, member: "Ping")
        }
        #expect(fixture.loop.run(until: { !paths.isEmpty }))
        #expect(paths == ["/org/pivlink/Test/child"])
        #expect(match.isActive)
    }

    @Test func aCancelledMatchReceivesNothingMore() throws {
        let fixture = try BusFixture()
        var cancelledCount = 0
        var markerCount = 0
        let cancelled = try fixture.installedMatch(DBusMatchRule(member: "First")) { _ in cancelledCount += 1 }
        let marker = try fixture.installedMatch(DBusMatchRule(member: "Second")) { _ in markerCount += 1 }
        try fixture.server.emitSignal(path: Self.path, interface: Self.interfaceName, member: "First")
        #expect(fixture.loop.run(until: { cancelledCount == 1 }))
        cancelled.cancel()
        #expect(!cancelled.isActive)
        try fixture.server.emitSignal(path: Self.path, interface: Self.interfaceName, member: "First")
        try fixture.server.emitSignal(path: Self.path, interface: Self.interfaceName, member: "Second")
        #expect(fixture.loop.run(until: { markerCount == 1 }))
        #expect(cancelledCount == 1)
        #expect(marker.isActive)
    }

    @Test func aReplacedOwnerLosesItsNameAndEveryoneSeesTheChange() throws {
        let fixture = try BusFixture()
        let name = "org.pivlink.Station1"
        let serverName = try fixture.server.uniqueName()
        let clientName = try fixture.client.uniqueName()
        var ownerChanges: [[DBusValue]] = []
        var lost: [String] = []
        let ownerMatch = try fixture.installedMatch(
            DBusMatchRule(
                sender: "org.freedesktop.DBus", interface: "org.freedesktop.DBus", member: "NameOwnerChanged",
                arguments: [0: name]
            )
        ) { ownerChanges.append($0.arguments) }
        let lostMatch = try fixture.installedMatch(
            DBusMatchRule(sender: "org.freedesktop.DBus", interface: "org.freedesktop.DBus", member: "NameLost"),
            on: fixture.server
        ) { lost += $0.arguments.compactMap(\.string) }

        var serverResults: [DBusNameRequestResult] = []
        var clientResults: [DBusNameRequestResult] = []
        try fixture.server.requestName(name, flags: .allowReplacement) { serverResults.append((try? $0.get()) ?? .exists) }
        #expect(fixture.loop.run(until: { serverResults.count == 1 && ownerChanges.count == 1 }))
        try fixture.client.requestName(name, flags: .replaceExisting) { clientResults.append((try? $0.get()) ?? .exists) }
        #expect(fixture.loop.run(until: { clientResults.count == 1 && ownerChanges.count == 2 && lost == [name] }))
        try fixture.server.requestName(name, flags: .doNotQueue) { serverResults.append((try? $0.get()) ?? .inQueue) }
        try fixture.client.requestName(name) { clientResults.append((try? $0.get()) ?? .inQueue) }
        #expect(fixture.loop.run(until: { serverResults.count == 2 && clientResults.count == 2 }))
        #expect(serverResults == [.primaryOwner, .exists])
        #expect(clientResults == [.primaryOwner, .alreadyOwner])
        #expect(ownerChanges[0] == [.string(name), .string(""), .string(serverName)])
        #expect(ownerChanges[1] == [.string(name), .string(serverName), .string(clientName)])

        var released: [Bool] = []
        try fixture.client.releaseName(name) { released.append((try? $0.get()) ?? false) }
        try fixture.client.releaseName(name) { released.append((try? $0.get()) ?? true) }
        #expect(fixture.loop.run(until: { released.count == 2 && ownerChanges.count == 3 }))
        #expect(released == [true, false])
        #expect(ownerMatch.isActive && lostMatch.isActive)
    }

    @Test func callAndWaitBlocksForTheReply() throws {
        let fixture = try BusFixture()
        let serverName = try fixture.server.uniqueName()
        let owner = try fixture.client.callAndWait(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
            member: "GetNameOwner", arguments: [.string(serverName)]
        )
        #expect(owner == [.string(serverName)])
        do {
            _ = try fixture.client.callAndWait(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "GetNameOwner", arguments: [.string("org.pivlink.Nobody")]
            )
            Issue.record("the bus named an owner for a name nobody owns")
        } catch {
            #expect(error.code == .errorReply)
            #expect(error.name == "org.freedesktop.DBus.Error.NameHasNoOwner")
        }
    }

    @Test func connectingToAMissingBusFails() throws {
        let loop = try EventLoop()
        do {
            _ = try DBusConnection(.address("unix:path=/nonexistent/pivlink/bus"), loop: loop)
            Issue.record("connected to nothing")
        } catch {
            #expect(error.code == .connectFailed)
        }
    }

    @Test func invalidNamesAreRejectedBeforeAnythingIsSent() throws {
        let fixture = try BusFixture()
        for (destination, interface, member) in [
            ("org.pivlink.Test", "org.pivlink.Test1", "not a member"),
            ("not a bus name!", "org.pivlink.Test1", "Member"),
            ("org.pivlink.Test", "no_dots", "Member"),
        ] {
            do {
                try fixture.client.call(destination: destination, path: Self.path, interface: interface, member: member) {
                    _ in Issue.record("a reply to an invalid call")
                }
                Issue.record("sent \(destination) \(interface) \(member)")
            } catch {
                #expect(error.code == .invalidArguments)
            }
        }
        #expect(throws: DBusError.self) {
            try fixture.client.call(
                destination: nil, path: Self.path, interface: nil, member: "M", arguments: [.string("a\u{0}b")]
            ) { _ in }
        }
    }

    @Test func losingTheBusEndsPendingCallsAndReportsTheDisconnection() throws {
        let fixture = try BusFixture()
        var pending: [DBusMethodCall] = []
        let object = try fixture.server.exportObject(
            at: Self.path,
            interfaces: [DBusInterface(Self.interfaceName, methods: [DBusMethod("Hang") { pending.append($0) }])]
        )
        var disconnected = false
        fixture.client.onDisconnect = { disconnected = true }
        var result: Result<[DBusValue], DBusError>?
        try fixture.client.call(
            destination: try fixture.server.uniqueName(), path: Self.path, interface: Self.interfaceName, member: "Hang"
        ) { result = $0 }
        #expect(fixture.loop.run(until: { pending.count == 1 }))
        fixture.bus.stop()
        #expect(fixture.loop.run(until: { disconnected && result != nil }))
        guard case .failure(let error) = result else {
            Issue.record("expected a disconnection, got \(String(describing: result))")
            return
        }
        #expect(error.code == .disconnected)
        #expect(!fixture.client.isOpen)
        #expect(object.isExported)
    }

    @Test func aClosedConnectionCannotCall() throws {
        let fixture = try BusFixture()
        fixture.client.close()
        #expect(!fixture.client.isOpen)
        do {
            try fixture.client.call(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "GetId"
            ) { _ in Issue.record("a reply on a closed connection") }
            Issue.record("called on a closed connection")
        } catch {
            #expect(error.code == .disconnected)
        }
    }

    static func errorName(_ result: Result<[DBusValue], DBusError>?) -> String? {
        guard case .failure(let error) = result else { return nil }
        return error.name
    }
}
