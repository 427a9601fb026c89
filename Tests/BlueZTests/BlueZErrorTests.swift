import BlueZ
import DBus
import Testing

@Suite struct BlueZErrorTests {
    @Test(arguments: [
        ("Failed", BlueZError.Code.failed), ("InProgress", .inProgress), ("NotPermitted", .notPermitted),
        ("NotAuthorized", .notAuthorized), ("NotConnected", .notConnected), ("AlreadyConnected", .alreadyConnected),
        ("AlreadyExists", .alreadyExists), ("DoesNotExist", .doesNotExist), ("NotReady", .notReady),
        ("NotSupported", .notSupported), ("InvalidArguments", .invalidArguments), ("InvalidLength", .invalidLength),
        ("InvalidValueLength", .invalidValueLength), ("InvalidOffset", .invalidOffset),
        ("AuthenticationFailed", .authenticationFailed), ("AuthenticationTimeout", .authenticationFailed),
        ("SomethingNew", .otherBlueZError),
    ])
    func blueZErrorNamesHaveTheirCodes(_ short: String, _ code: BlueZError.Code) {
        let error = BlueZError(DBusError(name: "org.bluez.Error." + short, message: "why"))
        #expect(error.code == code)
        #expect(error.name == "org.bluez.Error." + short)
        #expect(error.detail == "why")
    }

    @Test func busFailuresHaveTheirOwnCodes() {
        #expect(BlueZError(DBusError(name: "org.freedesktop.DBus.Error.ServiceUnknown", message: "")).code == .serviceUnknown)
        #expect(BlueZError(DBusError(name: "org.freedesktop.DBus.Error.NoReply", message: "left")).code == .serviceUnknown)
        #expect(BlueZError(DBusError(.timedOut, "slow")).code == .timedOut)
        #expect(BlueZError(DBusError(.disconnected, "gone")).code == .disconnected)
        #expect(BlueZError(DBusError(.typeMismatch, "odd")).code == .unexpectedReply)
        #expect(BlueZError(DBusError(name: "org.freedesktop.DBus.Error.UnknownObject", message: "")).code == .bus)
    }

    @Test func ownErrorsTravelUnderBlueZNames() {
        #expect(BlueZError(.notPermitted, "busy").dbusError == DBusError(name: "org.bluez.Error.NotPermitted", message: "busy"))
        #expect(BlueZError(.notFound, "no such characteristic").dbusError.name == "org.bluez.Error.Failed")
    }
}
