import BusTesting
import DBus
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// python-dbusmock's `logind` template on a private bus (as the system bus: `DBUS_SYSTEM_BUS_ADDRESS`), one loop,
/// and a connection to the bus on it for the code under test. The mock is driven through its
/// `org.freedesktop.DBus.Mock` interface with blocking calls (it is another process, so the loop need not serve
/// them). Killed on release.
final class LogindMock {
    static let name = "org.freedesktop.login1"
    static let managerPath: DBusObjectPath = "/org/freedesktop/login1"
    static let mockInterface = "org.freedesktop.DBus.Mock"
    static let sessionInterface = "org.freedesktop.login1.Session"

    let bus: PrivateBus
    let loop: EventLoop
    let connection: DBusConnection
    private var pid: pid_t?
    private var output: Int32 = -1

    /// A bus with logind on it, unless `startingLogind` is false.
    init(startingLogind: Bool = true) throws {
        bus = try PrivateBus()
        loop = try EventLoop()
        connection = try DBusConnection(.address(bus.address), loop: loop)
        guard startingLogind else { return }
        var appeared = false
        var installed: Result<Void, DBusError>?
        let watch = try connection.matchNameOwnerChanged(name: Self.name, installed: { installed = $0 }) { change in
            if change.newOwner != nil { appeared = true }
        }
        defer { watch.cancel() }
        guard loop.run(until: { installed != nil }), case .success = installed else {
            throw ChildProcess.Failure(description: "the NameOwnerChanged match was not installed: \(String(describing: installed))")
        }
        (pid, output) = try ChildProcess.spawn(
            ["/usr/bin/python3", "-m", "dbusmock", "--template", "logind", "-l", "/dev/null"],
            environment: ["DBUS_SYSTEM_BUS_ADDRESS": bus.address])
        guard loop.run(until: { appeared }, timeout: .seconds(30)) else {
            throw ChildProcess.Failure(description: "python-dbusmock's logind did not appear on the bus (is python3-dbusmock installed?)")
        }
    }

    deinit {
        if let pid {
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
            close(output)
        }
    }

    static func sessionPath(_ id: String) -> DBusObjectPath {
        DBusObjectPath(stringLiteral: "/org/freedesktop/login1/session/\(id)")
    }

    /// Adds a session on seat0 (the mock makes it the seat's active one whatever `active` says, and a `test` session
    /// of class `user`, local) and then sets `properties` of its Session interface.
    func addSession(_ id: String, uid: UInt32, user: String, active: Bool, properties: [String: DBusValue] = [:]) throws {
        _ = try call(
            Self.managerPath, Self.mockInterface, "AddSession",
            [.string(id), .string("seat0"), .uint32(uid), .string(user), .boolean(active)])
        if !properties.isEmpty {
            try update(Self.sessionPath(id), interface: Self.sessionInterface, properties)
        }
    }

    func update(_ path: DBusObjectPath, interface: String, _ properties: [String: DBusValue]) throws {
        _ = try call(path, Self.mockInterface, "UpdateProperties", [.string(interface), .variantDictionary(properties)])
    }

    /// Replaces Manager.LockSession (a logged no-op in the template) with `code`, Python run with `args`.
    func defineLockSession(_ code: String) throws {
        _ = try call(
            Self.managerPath, Self.mockInterface, "AddMethod",
            [.string("org.freedesktop.login1.Manager"), .string("LockSession"), .string("s"), .string(""), .string(code)])
    }

    /// LockSession as logind does it: the session object emits Lock, which the desktop's locker obeys.
    func lockSessionEmitsLock() throws {
        try defineLockSession(
            #"objects["/org/freedesktop/login1/session/" + args[0]].EmitSignal("org.freedesktop.login1.Session", "Lock", "", [])"#)
    }

    /// The arguments of every logged call of `member` on the object at `path`.
    func calls(of member: String, on path: DBusObjectPath = LogindMock.managerPath) throws -> [[DBusValue]] {
        let values = try call(path, Self.mockInterface, "GetMethodCalls", [.string(member)])
        guard values.count == 1, let calls = values[0].arrayElements else {
            throw ChildProcess.Failure(description: "GetMethodCalls answered \(values)")
        }
        return try calls.map { call in
            guard let members = call.structureMembers, members.count == 2, let arguments = members[1].arrayElements else {
                throw ChildProcess.Failure(description: "GetMethodCalls answered \(values)")
            }
            return arguments.map { $0.variantContent ?? $0 }
        }
    }

    /// The session ids LockSession was called with.
    func lockedSessionIDs() throws -> [String] {
        try calls(of: "LockSession").map { $0.first?.string ?? "?" }
    }

    /// Every call of UnlockSession, UnlockSessions and each session's Unlock.
    func unlockCalls() throws -> Int {
        var count = try calls(of: "UnlockSession").count + calls(of: "UnlockSessions").count
        let listed = try call(Self.managerPath, "org.freedesktop.login1.Manager", "ListSessions", [])
        for session in listed.first?.arrayElements ?? [] {
            guard let path = session.structureMembers?.last?.objectPath else {
                throw ChildProcess.Failure(description: "ListSessions answered \(listed)")
            }
            count += try calls(of: "Unlock", on: path).count
        }
        return count
    }

    private func call(
        _ path: DBusObjectPath, _ interface: String, _ member: String, _ arguments: [DBusValue]
    ) throws -> [DBusValue] {
        try connection.callAndWait(
            destination: Self.name, path: path, interface: interface, member: member, arguments: arguments,
            timeout: .seconds(10))
    }
}
