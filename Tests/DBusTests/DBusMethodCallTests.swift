import DBus
import EventLoop
import Testing

@Suite struct DBusMethodCallTests {
    static let path: DBusObjectPath = "/org/pivlink/Calls"
    static let interfaceName = "org.pivlink.Calls1"

    @Test func aHandlerCanReplyLaterFromAnotherCallback() throws {
        let fixture = try BusFixture()
        var held: DBusMethodCall?
        let timer = try fixture.loop.makeTimer {
            held?.reply([.string("later")])
            held = nil
        }
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod("Slow", outputs: [DBusArgument("answer", .string)]) { call throws(DBusError) in
                    held = call
                    do throws(EventLoopError) {
                        try timer.arm(after: .milliseconds(50))
                    } catch {
                        throw DBusError(.failed, error.detail)
                    }
                }
            ])
        let result = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Slow")
        #expect(try result?.get() == [.string("later")])
        #expect(held == nil)
        #expect(object.isExported)
    }

    @Test func aCallDroppedWithoutAnAnswerFailsForTheCaller() throws {
        let fixture = try BusFixture()
        let object = try fixture.server.exportObject(
            at: Self.path, interfaces: [DBusInterface(Self.interfaceName, methods: [DBusMethod("Forget") { _ in }])]
        )
        let result = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Forget")
        #expect(DBusConnectionTests.errorName(result) == "org.freedesktop.DBus.Error.Failed")
        #expect(object.isExported)
    }

    @Test func aReplyOfTheWrongTypesBecomesAnError() throws {
        let fixture = try BusFixture()
        var answered: [Bool] = []
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod("Mtu", outputs: [DBusArgument("fd", .unixFileDescriptor), DBusArgument("mtu", .uint16)]) {
                    call in
                    call.reply([.uint32(517)])
                    answered.append(call.isAnswered)
                    call.reply([.uint32(518)])
                }
            ])
        let result = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Mtu")
        guard case .failure(let error) = result else {
            Issue.record("expected an error, got \(String(describing: result))")
            return
        }
        #expect(error.name == "org.freedesktop.DBus.Error.Failed")
        #expect(error.message.contains("'u' instead of 'hq'"))
        #expect(answered == [true])
        #expect(object.isExported)
    }

    @Test func onlyTheFirstAnswerCountsAndThrowingAfterItChangesNothing() throws {
        let fixture = try BusFixture()
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod("Twice", outputs: [DBusArgument("n", .byte)]) { call throws(DBusError) in
                    call.reply([.byte(1)])
                    call.fail(DBusError(name: "org.pivlink.Error.Late", message: "too late"))
                    throw DBusError(name: "org.pivlink.Error.Thrown", message: "also too late")
                }
            ])
        let result = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Twice")
        #expect(try result?.get() == [.byte(1)])
        #expect(object.isExported)
    }

    @Test func anInvalidErrorNameIsSentAsFailed() throws {
        let fixture = try BusFixture()
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod("Bad") { _ throws(DBusError) in
                    throw DBusError(name: "not a valid name", message: "kept")
                }
            ])
        let result = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Bad")
        #expect(throws: DBusError(name: "org.freedesktop.DBus.Error.Failed", message: "kept")) { try result?.get() }
        // The connection survived the bad name.
        #expect(fixture.server.isOpen)
        #expect(object.isExported)
    }

    @Test func theCallKnowsItsCallerAndTarget() throws {
        let fixture = try BusFixture()
        var seen: (sender: String?, path: DBusObjectPath, interface: String, member: String)?
        let object = try fixture.exportMethods(
            at: Self.path, interface: Self.interfaceName,
            [
                DBusMethod("Who") { call in
                    seen = (call.sender, call.path, call.interface, call.member)
                    call.reply()
                }
            ])
        _ = try fixture.call(path: Self.path, interface: Self.interfaceName, member: "Who")
        #expect(seen?.sender == (try fixture.client.uniqueName()))
        #expect(seen?.path == Self.path)
        #expect(seen?.interface == Self.interfaceName)
        #expect(seen?.member == "Who")
        #expect(object.isExported)
    }
}
