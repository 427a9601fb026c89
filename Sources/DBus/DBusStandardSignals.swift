/// `org.freedesktop.DBus.Properties.PropertiesChanged`, parsed.
public struct DBusPropertiesChange: Sendable {
    public let sender: String?
    public let path: DBusObjectPath
    public let interface: String
    public let changed: [String: DBusValue]
    public let invalidated: [String]

    /// Nil unless `signal` is a well-formed PropertiesChanged (`sa{sv}as`).
    public init?(_ signal: DBusSignal) {
        guard signal.interface == DBusStandardSignals.properties, signal.member == "PropertiesChanged",
            signal.arguments.count == 3, let interface = signal.arguments[0].string,
            let changed = signal.arguments[1].variantDictionary, let invalidated = signal.arguments[2].strings
        else { return nil }
        sender = signal.sender
        path = signal.path
        self.interface = interface
        self.changed = changed
        self.invalidated = invalidated
    }
}

/// `org.freedesktop.DBus.ObjectManager.InterfacesAdded`, parsed.
public struct DBusInterfacesAdded: Sendable {
    public let sender: String?
    public let object: DBusObjectPath
    /// Interface name → its properties.
    public let interfaces: [String: [String: DBusValue]]

    /// Nil unless `signal` is a well-formed InterfacesAdded (`oa{sa{sv}}`).
    public init?(_ signal: DBusSignal) {
        guard signal.interface == DBusStandardSignals.objectManager, signal.member == "InterfacesAdded",
            signal.arguments.count == 2, let object = signal.arguments[0].objectPath,
            let entries = signal.arguments[1].dictionaryEntries
        else { return nil }
        var interfaces: [String: [String: DBusValue]] = [:]
        for entry in entries {
            guard let name = entry.key.string, let properties = entry.value.variantDictionary else { return nil }
            interfaces[name] = properties
        }
        sender = signal.sender
        self.object = object
        self.interfaces = interfaces
    }
}

/// `org.freedesktop.DBus.ObjectManager.InterfacesRemoved`, parsed.
public struct DBusInterfacesRemoved: Sendable {
    public let sender: String?
    public let object: DBusObjectPath
    public let interfaces: [String]

    /// Nil unless `signal` is a well-formed InterfacesRemoved (`oas`).
    public init?(_ signal: DBusSignal) {
        guard signal.interface == DBusStandardSignals.objectManager, signal.member == "InterfacesRemoved",
            signal.arguments.count == 2, let object = signal.arguments[0].objectPath,
            let interfaces = signal.arguments[1].strings
        else { return nil }
        sender = signal.sender
        self.object = object
        self.interfaces = interfaces
    }
}

/// `org.freedesktop.DBus.NameOwnerChanged`, parsed; an empty owner is nil.
public struct DBusNameOwnerChange: Sendable {
    public let name: String
    /// Nil when the name had no owner (it appeared).
    public let oldOwner: String?
    /// Nil when the name has no owner now (it vanished: e.g. bluetoothd exited).
    public let newOwner: String?

    /// Nil unless `signal` is a well-formed NameOwnerChanged (`sss`).
    public init?(_ signal: DBusSignal) {
        guard signal.interface == DBusConnection.busName, signal.member == "NameOwnerChanged",
            signal.arguments.count == 3, let name = signal.arguments[0].string,
            let oldOwner = signal.arguments[1].string, let newOwner = signal.arguments[2].string
        else { return nil }
        self.name = name
        self.oldOwner = oldOwner.isEmpty ? nil : oldOwner
        self.newOwner = newOwner.isEmpty ? nil : newOwner
    }
}

/// The standard interfaces whose signals this file parses.
enum DBusStandardSignals {
    static let properties = "org.freedesktop.DBus.Properties"
    static let objectManager = "org.freedesktop.DBus.ObjectManager"
}

/// Matches for the standard signals, delivering them parsed; malformed ones are dropped.
extension DBusConnection {
    /// PropertiesChanged from `sender`, for objects at or below `pathNamespace`, optionally only for one
    /// `interface` (e.g. every `org.bluez.Device1` under `/org/bluez`).
    public func matchPropertiesChanged(
        sender: String?,
        pathNamespace: DBusObjectPath? = nil,
        interface: String? = nil,
        installed: ((Result<Void, DBusError>) -> Void)? = nil,
        handler: @escaping (DBusPropertiesChange) -> Void
    ) throws(DBusError) -> DBusRegistration {
        let rule = DBusMatchRule(
            sender: sender, pathNamespace: pathNamespace, interface: DBusStandardSignals.properties,
            member: "PropertiesChanged", arguments: interface.map { [0: $0] } ?? [:]
        )
        return try match(rule, installed: installed) { signal in
            if let change = DBusPropertiesChange(signal) {
                handler(change)
            }
        }
    }

    /// InterfacesAdded from the object manager of `sender` at `managerPath`.
    public func matchInterfacesAdded(
        sender: String?,
        managerPath: DBusObjectPath,
        installed: ((Result<Void, DBusError>) -> Void)? = nil,
        handler: @escaping (DBusInterfacesAdded) -> Void
    ) throws(DBusError) -> DBusRegistration {
        let rule = DBusMatchRule(
            sender: sender, path: managerPath, interface: DBusStandardSignals.objectManager, member: "InterfacesAdded"
        )
        return try match(rule, installed: installed) { signal in
            if let added = DBusInterfacesAdded(signal) {
                handler(added)
            }
        }
    }

    /// InterfacesRemoved from the object manager of `sender` at `managerPath`.
    public func matchInterfacesRemoved(
        sender: String?,
        managerPath: DBusObjectPath,
        installed: ((Result<Void, DBusError>) -> Void)? = nil,
        handler: @escaping (DBusInterfacesRemoved) -> Void
    ) throws(DBusError) -> DBusRegistration {
        let rule = DBusMatchRule(
            sender: sender, path: managerPath, interface: DBusStandardSignals.objectManager, member: "InterfacesRemoved"
        )
        return try match(rule, installed: installed) { signal in
            if let removed = DBusInterfacesRemoved(signal) {
                handler(removed)
            }
        }
    }

    /// Owner changes of the bus name `name` (it appears, moves, or vanishes).
    public func matchNameOwnerChanged(
        name: String,
        installed: ((Result<Void, DBusError>) -> Void)? = nil,
        handler: @escaping (DBusNameOwnerChange) -> Void
    ) throws(DBusError) -> DBusRegistration {
        let rule = DBusMatchRule(
            sender: Self.busName, path: Self.busPath, interface: Self.busName, member: "NameOwnerChanged",
            arguments: [0: name]
        )
        return try match(rule, installed: installed) { signal in
            if let change = DBusNameOwnerChange(signal) {
                handler(change)
            }
        }
    }
}
