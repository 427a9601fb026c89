import DBus

/// The properties of one `org.freedesktop.login1.Session` that decide whether the station may lock it.
struct LogindSession: Hashable, Sendable {
    /// Session types with a screen locker: a tty or an unspecified session has none to show.
    static let graphicalTypes: Set<String> = ["x11", "wayland", "mir"]

    let id: String
    let path: DBusObjectPath
    let uid: UInt32
    let seat: String
    let type: String
    let sessionClass: String
    let isRemote: Bool
    let isActive: Bool
    let lockedHint: Bool

    /// Nil when a property is missing or has another type than logind documents.
    init?(path: DBusObjectPath, properties: [String: DBusValue]) {
        guard let id = properties["Id"]?.string,
            let user = properties["User"]?.structureMembers, user.count == 2, let uid = user[0].uint32,
            let seat = properties["Seat"]?.structureMembers, seat.count == 2, let seatID = seat[0].string,
            let type = properties["Type"]?.string, let sessionClass = properties["Class"]?.string,
            let isRemote = properties["Remote"]?.boolean, let isActive = properties["Active"]?.boolean,
            let lockedHint = properties["LockedHint"]?.boolean
        else { return nil }
        self.id = id
        self.path = path
        self.uid = uid
        self.seat = seatID
        self.type = type
        self.sessionClass = sessionClass
        self.isRemote = isRemote
        self.isActive = isActive
        self.lockedHint = lockedHint
    }

    /// Why the station does not lock this session for `uid` on `seat`, or nil when it does: the user's own local
    /// graphical user session (not a greeter or lock-screen session, not remote). Whether it is the seat's active
    /// session is the caller's concern.
    func refusal(uid wanted: UInt32, seat wantedSeat: String) -> String? {
        if uid != wanted { return "it belongs to uid \(uid)" }
        if seat != wantedSeat { return "it is on seat '\(seat)'" }
        if isRemote { return "it is remote" }
        if sessionClass != "user" { return "its class is \(sessionClass)" }
        if !Self.graphicalTypes.contains(type) { return "its type is \(type)" }
        return nil
    }
}
