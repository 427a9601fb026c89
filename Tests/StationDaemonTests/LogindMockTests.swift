import DBus
import Testing

/// The fixture's unlock check must see every kind of unlock, or SessionLockerTests' "nothing unlocked" proves nothing.
@Suite struct LogindMockTests {
    @Test func everyUnlockIsCounted() throws {
        let mock = try LogindMock()
        try mock.addSession("c1", uid: 1000, user: "alice", active: true)
        #expect(try mock.unlockCalls() == 0)
        let manager = "org.freedesktop.login1.Manager"
        for (path, interface, member, arguments) in [
            (LogindMock.managerPath, manager, "UnlockSession", [DBusValue.string("c1")]),
            (LogindMock.managerPath, manager, "UnlockSessions", []),
            (LogindMock.sessionPath("c1"), LogindMock.sessionInterface, "Unlock", []),
        ] {
            _ = try mock.connection.callAndWait(
                destination: LogindMock.name, path: path, interface: interface, member: member, arguments: arguments)
        }
        #expect(try mock.unlockCalls() == 3)
    }
}
