import DBus
import Testing

@Suite struct DBusObjectPathTests {
    @Test(arguments: ["/", "/a", "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF", "/app/service0/char0001", "/_9"])
    func validPathsAreAccepted(path: String) throws {
        #expect(try DBusObjectPath(path).rawValue == path)
    }

    @Test(arguments: ["", "a", "/a/", "//", "/a//b", "/a-b", "/a.b", "/ä", "/a b"])
    func invalidPathsAreRejected(path: String) {
        do {
            _ = try DBusObjectPath(path)
            Issue.record("accepted \(path)")
        } catch {
            #expect(error.code == .invalidArguments)
        }
    }

    @Test func appendingAddsOneElement() throws {
        #expect(try DBusObjectPath.root.appending("app") == "/app")
        #expect(try DBusObjectPath("/app").appending("service0") == "/app/service0")
        #expect(throws: DBusError.self) { try DBusObjectPath("/app").appending("a/b") }
        #expect(throws: DBusError.self) { try DBusObjectPath("/app").appending("") }
    }

    @Test func insideMeansAtOrBelowWholeElements() {
        let path: DBusObjectPath = "/org/bluez/hci0/dev_1"
        #expect(path.isInside("/org/bluez/hci0"))
        #expect(path.isInside(path))
        #expect(path.isInside(.root))
        #expect(!path.isInside("/org/bluez/hci"))
        #expect(!DBusObjectPath("/org").isInside("/org/bluez"))
    }
}
