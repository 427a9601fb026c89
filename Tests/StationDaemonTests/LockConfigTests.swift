import Foundation
import StationDaemon
import Testing

@Suite struct LockConfigTests {
    let base = StationConfigText.base

    @Test func withoutASectionNoUserIsSetAndTheTimeoutIsTheDefault() throws {
        let config = try Config(yaml: base)
        #expect(config.lock == LockSettings(user: nil, confirmTimeout: .seconds(5)))
    }

    @Test(arguments: [
        ("user: alice", LockSettings.User.name("alice")),
        ("user: \"1000\"", .uid(1000)),
        ("user: 0", .uid(0)),
        ("user: j.doe@EXAMPLE", .name("j.doe@EXAMPLE")),
    ])
    func theUserIsANameOrAUID(line: String, user: LockSettings.User) throws {
        let config = try Config(yaml: base + "lock:\n  \(line)\n  confirm_timeout: 2.5\n")
        #expect(config.lock == LockSettings(user: user, confirmTimeout: .milliseconds(2500)))
    }

    @Test func theShippedExampleParsesWithEveryDefault() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = try Config.load(path: root.appendingPathComponent("Config/station.conf").path)
        #expect(config.lock == LockSettings())
    }

    @Test(arguments: [
        ("lock: alice", "'lock' must hold"),
        ("lock:\n  who: alice", "unknown setting 'lock.who'"),
        ("lock:\n  user: [a, b]", "'lock.user' must be a single value"),
        ("lock:\n  user: a:b", "lock.user 'a:b' is not a login name or uid"),
        ("lock:\n  user: -x", "lock.user '-x' is not a login name or uid"),
        ("lock:\n  user: 4294967295", "lock.user '4294967295' is not a valid uid"),
        ("lock:\n  confirm_timeout: soon", "lock.confirm_timeout 'soon' must be a number of seconds"),
        ("lock:\n  confirm_timeout: 0", "lock.confirm_timeout '0'"),
        ("lock:\n  confirm_timeout: 301", "lock.confirm_timeout '301'"),
    ])
    func invalidSettingsSayWhatIsWrongInOneLine(yaml: String, expected: String) {
        StationConfigText.expectRefused(yaml, saying: expected)
    }
}
