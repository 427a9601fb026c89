import DBus
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// Locks the configured user's desktop session through systemd-logind, and reports whether the desktop confirmed it.
///
/// The session: seat0's active session if it is the user's own local graphical user session (`LogindSession`);
/// otherwise the user's such session on seat0 that logind lists, although it is not on screen (the holder switched
/// VTs and walked away: it is locked anyway, so that switching back shows the locker, and the log says so). A
/// greeter, remote, tty or other user's session is never taken. `Manager.LockSession` makes logind send
/// `Session.Lock`, which the desktop's locker obeys; the locker then sets `LockedHint`, which is the confirmation.
/// A desktop without a locker never sets it: that is reported as not confirmed once `confirmTimeout` has passed.
///
/// Nothing here unlocks: the station never calls `UnlockSession`, `UnlockSessions` or `Session.Unlock`, because
/// GNOME's shield obeys Unlock without asking for a password. As root the station may lock any session without a
/// polkit prompt (`org.freedesktop.login1.lock-sessions`).
///
/// Threading: like `DBusConnection`, used on the loop's thread only.
public final class SessionLocker {
    static let logindName = "org.freedesktop.login1"
    static let managerPath: DBusObjectPath = "/org/freedesktop/login1"
    static let managerInterface = "org.freedesktop.login1.Manager"
    static let seatInterface = "org.freedesktop.login1.Seat"
    static let sessionInterface = "org.freedesktop.login1.Session"
    static let propertiesInterface = "org.freedesktop.DBus.Properties"
    /// The seat with the machine's own screen and keyboard.
    static let seat = "seat0"
    /// Each call to logind; it answers at once unless it is hung.
    public static let callTimeout = Duration.seconds(5)

    private let connection: DBusConnection
    private let loop: EventLoop
    private let settings: LockSettings
    private let log: (String) -> Void
    /// Locks waiting for their confirmation, by number, so that their match and timer live until they finish.
    private var watches: [Int: LockConfirmationWatch] = [:]
    private var nextWatch = 0

    public init(connection: DBusConnection, loop: EventLoop, settings: LockSettings, log: @escaping (String) -> Void) {
        self.connection = connection
        self.loop = loop
        self.settings = settings
        self.log = log
    }

    /// Finds the user's session and asks logind to lock it; `completion` runs once on the loop with the outcome
    /// (or at once, before this returns, when `lock.user` is unset or unknown), unless the locker is released
    /// first. `reason` goes to the log.
    public func lock(reason: String, completion: @escaping (Result<SessionLockOutcome, StationDaemonError>) -> Void) {
        let uid: UInt32
        do {
            uid = try resolveUser()
        } catch {
            completion(.failure(error))
            return
        }
        findSession(uid: uid) { [weak self] found in
            guard let self else { return }
            switch found {
            case .failure(let error):
                completion(.failure(error))
            case .success(let session):
                if session.isActive {
                    log("locking session \(session.id) of uid \(uid) on \(Self.seat): \(reason)")
                } else {
                    log("locking session \(session.id) of uid \(uid) on \(Self.seat) although another session is on screen (VT switched), so that switching back shows the locker: \(reason)")
                }
                lock(session, completion: completion)
            }
        }
    }

    // MARK: finding the session

    private func resolveUser() throws(StationDaemonError) -> UInt32 {
        switch settings.user {
        case nil:
            throw StationDaemonError(.invalidConfig, "no user to lock: set lock.user in station.conf to the login name or uid whose session the station locks")
        case .uid(let uid):
            return uid
        case .name(let name):
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: 16384)
            let result = getpwnam_r(name, &entry, &buffer, buffer.count, &found)
            guard result == 0, found != nil else {
                throw StationDaemonError(.invalidConfig, "lock.user '\(name)' is not an account on this machine: set it to a login name or uid in station.conf")
            }
            return entry.pw_uid
        }
    }

    /// seat0's active session if it qualifies, else the user's first qualifying session on seat0 in ListSessions.
    private func findSession(uid: UInt32, completion: @escaping (Result<LogindSession, StationDaemonError>) -> Void) {
        call(Self.managerPath, Self.managerInterface, "GetSeat", [.string(Self.seat)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let values):
                guard let seatPath = values.first?.objectPath, values.count == 1 else {
                    completion(.failure(unexpected("GetSeat", values)))
                    return
                }
                activeSession(seatPath: seatPath, uid: uid, completion: completion)
            }
        }
    }

    private func activeSession(
        seatPath: DBusObjectPath, uid: UInt32, completion: @escaping (Result<LogindSession, StationDaemonError>) -> Void
    ) {
        getProperty("ActiveSession", of: seatPath, interface: Self.seatInterface) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error) where error.code != .lockFailed:
                completion(.failure(error))
            case .failure(let error):
                // A seat without the property is read as one without an active session: ListSessions decides.
                log("cannot read \(Self.seat)'s active session (\(error.detail)); looking through all sessions")
                listedSession(uid: uid, skipping: nil, refusals: [], completion: completion)
            case .success(let value):
                guard let members = value.structureMembers, members.count == 2, let id = members[0].string,
                    let path = members[1].objectPath
                else {
                    completion(.failure(unexpected("Seat.ActiveSession", [value])))
                    return
                }
                guard !id.isEmpty else {
                    listedSession(uid: uid, skipping: nil, refusals: [], completion: completion)
                    return
                }
                session(at: path) { [weak self] result in
                    guard let self else { return }
                    switch result {
                    case .failure(let error):
                        completion(.failure(error))
                    case .success(let session):
                        var refusal = session.refusal(uid: uid, seat: Self.seat)
                        if refusal == nil, !session.isActive { refusal = "logind does not call it active" }
                        guard let refusal else {
                            completion(.success(session))
                            return
                        }
                        let why = "the active session \(id): \(refusal)"
                        listedSession(uid: uid, skipping: id, refusals: [why], completion: completion)
                    }
                }
            }
        }
    }

    /// The first of the user's sessions on seat0 (other than `skipping`, already examined) that qualifies.
    private func listedSession(
        uid: UInt32, skipping: String?, refusals: [String],
        completion: @escaping (Result<LogindSession, StationDaemonError>) -> Void
    ) {
        call(Self.managerPath, Self.managerInterface, "ListSessions", []) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let values):
                guard values.count == 1, let entries = values[0].arrayElements else {
                    completion(.failure(unexpected("ListSessions", values)))
                    return
                }
                var candidates: [DBusObjectPath] = []
                for entry in entries {
                    // (id, uid, user name, seat, path)
                    guard let members = entry.structureMembers, members.count == 5, let id = members[0].string,
                        let sessionUID = members[1].uint32, let seat = members[3].string,
                        let path = members[4].objectPath
                    else {
                        completion(.failure(unexpected("ListSessions", values)))
                        return
                    }
                    if sessionUID == uid, seat == Self.seat, id != skipping {
                        candidates.append(path)
                    }
                }
                examine(candidates[...], uid: uid, refusals: refusals, completion: completion)
            }
        }
    }

    private func examine(
        _ candidates: ArraySlice<DBusObjectPath>, uid: UInt32, refusals: [String],
        completion: @escaping (Result<LogindSession, StationDaemonError>) -> Void
    ) {
        guard let path = candidates.first else {
            completion(.failure(noSession(uid: uid, refusals: refusals)))
            return
        }
        session(at: path) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let session):
                if let refusal = session.refusal(uid: uid, seat: Self.seat) {
                    examine(
                        candidates.dropFirst(), uid: uid, refusals: refusals + ["session \(session.id): \(refusal)"],
                        completion: completion)
                } else {
                    completion(.success(session))
                }
            }
        }
    }

    private func session(at path: DBusObjectPath, completion: @escaping (Result<LogindSession, StationDaemonError>) -> Void) {
        call(path, Self.propertiesInterface, "GetAll", [.string(Self.sessionInterface)]) { [weak self] result in
            guard let self else { return }
            completion(
                result.flatMap { values in
                    guard values.count == 1, let properties = values[0].variantDictionary,
                        let session = LogindSession(path: path, properties: properties)
                    else { return .failure(unexpected("the properties of \(path)", values)) }
                    return .success(session)
                })
        }
    }

    // MARK: locking and confirming

    private func lock(_ session: LogindSession, completion: @escaping (Result<SessionLockOutcome, StationDaemonError>) -> Void) {
        let number = nextWatch
        nextWatch += 1
        let watch = LockConfirmationWatch(session: session) { [weak self] result in
            guard let self else { return }
            watches[number] = nil
            switch result {
            case .success(let outcome) where outcome.confirmation == .confirmed:
                log("session \(session.id) is locked (LockedHint)")
            case .success:
                log("logind was asked to lock session \(session.id), but the desktop did not report it locked (LockedHint) within \(settings.confirmTimeout): it may have no screen locker listening to logind")
            case .failure:
                break
            }
            completion(result)
        }
        watches[number] = watch
        do {
            // Installed before LockSession is sent (calls on this connection reach the bus after the rule), so a
            // locker that is quick to set LockedHint is not missed.
            watch.match = try connection.matchPropertiesChanged(
                sender: Self.logindName, pathNamespace: session.path, interface: Self.sessionInterface
            ) { [weak watch] change in
                guard change.path == session.path, change.changed["LockedHint"]?.boolean == true else { return }
                watch?.sawLockedHint()
            }
        } catch {
            watch.finish(.failure(StationDaemonError(.lockFailed, "cannot watch session \(session.id)'s LockedHint (\(error.message)): check that the system bus is running")))
            return
        }
        let timer: TimerSource
        do {
            timer = try loop.makeTimer { [weak self, weak watch] in
                guard let self, let watch else { return }
                confirmAtDeadline(watch)
            }
            watch.timer = timer
        } catch {
            watch.finish(.failure(StationDaemonError(.eventLoopFailed, "cannot make the lock confirmation's timer (\(error.detail)): restart pivlink-station")))
            return
        }
        call(Self.managerPath, Self.managerInterface, "LockSession", [.string(session.id)]) { [weak self, weak watch, weak timer] result in
            guard let self, let watch, let timer else { return }
            switch result {
            case .failure(let error):
                watch.finish(.failure(error))
            case .success:
                do throws(EventLoopError) {
                    try timer.arm(after: settings.confirmTimeout)
                } catch {
                    watch.finish(.failure(StationDaemonError(.eventLoopFailed, "cannot arm the lock confirmation's timer (\(error.detail)): restart pivlink-station")))
                    return
                }
                watch.lockSessionAnswered()
            }
        }
    }

    /// The deadline: a last read of LockedHint decides (it also covers a signal that never came).
    private func confirmAtDeadline(_ watch: LockConfirmationWatch) {
        getProperty("LockedHint", of: watch.session.path, interface: Self.sessionInterface) { [weak watch] result in
            guard let watch else { return }
            if case .success(.boolean(true)) = result {
                watch.finish(.success(watch.outcome(.confirmed)))
            } else {
                watch.finish(.success(watch.outcome(.notConfirmed)))
            }
        }
    }

    // MARK: calls

    private static let absentNames: Set<String> = [
        "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner",
    ]

    /// A call to logind, its errors turned into ours: absent (not on the bus), timed out or refused. `reply` does
    /// not run once the locker is released.
    private func call(
        _ path: DBusObjectPath, _ interface: String, _ member: String, _ arguments: [DBusValue],
        reply: @escaping (Result<[DBusValue], StationDaemonError>) -> Void
    ) {
        let what = "\(member)(\(arguments.compactMap(\.string).joined(separator: ", ")))"
        do {
            try connection.call(
                destination: Self.logindName, path: path, interface: interface, member: member, arguments: arguments,
                timeout: Self.callTimeout
            ) { [weak self] result in
                guard let self else { return }
                reply(result.mapError { lockError($0, what: what) })
            }
        } catch {
            reply(.failure(StationDaemonError(.lockFailed, "cannot send \(what) to logind (\(error.message)): check that the system bus is running")))
        }
    }

    private func lockError(_ error: DBusError, what: String) -> StationDaemonError {
        if error.name == "org.freedesktop.login1.NoSuchSeat" {
            // No seat0 (a headless machine): nobody sits at its screen.
            return noSession(uid: nil, refusals: ["logind has no \(Self.seat)"])
        }
        if Self.absentNames.contains(error.name) {
            return StationDaemonError(.logindUnavailable, "systemd-logind (\(Self.logindName)) is not on the system bus: the station locks sessions through it; start systemd-logind")
        }
        if error.code == .timedOut {
            return StationDaemonError(.lockFailed, "logind did not answer \(what) within \(Self.callTimeout): check systemd-logind (journalctl -u systemd-logind)")
        }
        return StationDaemonError(.lockFailed, "logind refused \(what) (\(error.name): \(error.message)): check systemd-logind and the polkit action org.freedesktop.login1.lock-sessions")
    }

    private func getProperty(
        _ name: String, of path: DBusObjectPath, interface: String,
        reply: @escaping (Result<DBusValue, StationDaemonError>) -> Void
    ) {
        call(path, Self.propertiesInterface, "Get", [.string(interface), .string(name)]) { [weak self] result in
            guard let self else { return }
            reply(
                result.flatMap { values in
                    guard values.count == 1, let value = values[0].variantContent else {
                        return .failure(unexpected("\(interface).\(name)", values))
                    }
                    return .success(value)
                })
        }
    }

    private func unexpected(_ what: String, _ values: [DBusValue]) -> StationDaemonError {
        StationDaemonError(.lockFailed, "logind answered \(what) with \(values), not what it documents: check that \(Self.logindName) is systemd-logind")
    }

    private func noSession(uid: UInt32?, refusals: [String]) -> StationDaemonError {
        let user = settings.user.map { "\($0)" } ?? uid.map { "uid \($0)" } ?? "the user"
        let why = refusals.isEmpty ? "" : " (\(refusals.joined(separator: "; ")))"
        return StationDaemonError(.noUserSession, "\(user) has no local graphical session on \(Self.seat) to lock\(why): log in on this machine's screen, or set lock.user in station.conf to the account that does")
    }
}
