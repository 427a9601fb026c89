import DBus
import Testing

@Suite struct DBusErrorTests {
    @Test func errorRepliesAreClassifiedByCodeAndKeepTheirName() {
        let error = DBusError(name: "org.bluez.Error.Failed", message: "0x80")
        #expect(error.code == .errorReply)
        #expect(error.name == "org.bluez.Error.Failed")
        #expect(error.description == "org.bluez.Error.Failed: 0x80")
    }

    @Test func localFailuresGetStandardNames() {
        #expect(DBusError(.timedOut, "x").name == "org.freedesktop.DBus.Error.NoReply")
        #expect(DBusError(.disconnected, "x").name == "org.freedesktop.DBus.Error.NoReply")
        #expect(DBusError(.invalidArguments, "x").name == "org.freedesktop.DBus.Error.InvalidArgs")
        #expect(DBusError(.typeMismatch, "x").name == "org.freedesktop.DBus.Error.InvalidArgs")
        #expect(DBusError(.failed, "x").name == "org.freedesktop.DBus.Error.Failed")
        #expect(DBusError(.connectFailed, "x").name == "org.freedesktop.DBus.Error.Failed")
        #expect(DBusError(.failed, "x").code == .failed)
        #expect(DBusError.Code.timedOut.description == "timedOut")
    }
}
