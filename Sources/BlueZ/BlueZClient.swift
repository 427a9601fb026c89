import DBus

/// The way to bluetoothd: a bus connection, the name BlueZ owns on it, and typed calls. The proxies
/// (`BlueZAdapter`, `BlueZDevice`, `BlueZGattCharacteristic`) and the peripheral objects go through it.
///
/// Every call answers once, on the event loop, through `reply`; a call that cannot even be sent throws
/// instead (the connection is closed), and then `reply` never runs. Like `DBusConnection`, this type lives
/// on the loop's thread.
public final class BlueZClient {
    public let connection: DBusConnection
    /// `org.bluez`, unless a test serves BlueZ under another name.
    public let serviceName: String
    /// How long a call may take before it fails as `.timedOut`; `Connect` may take most of it.
    public let callTimeout: Duration

    public init(
        connection: DBusConnection, serviceName: String = BlueZNames.service, callTimeout: Duration = .seconds(25)
    ) {
        self.connection = connection
        self.serviceName = serviceName
        self.callTimeout = callTimeout
    }

    /// Calls `interface.member` on BlueZ's object at `path`.
    public func call(
        path: DBusObjectPath, interface: String, member: String, arguments: [DBusValue] = [],
        reply: @escaping (Result<[DBusValue], BlueZError>) -> Void
    ) throws(BlueZError) {
        do {
            try connection.call(
                destination: serviceName, path: path, interface: interface, member: member, arguments: arguments,
                timeout: callTimeout
            ) { result in
                reply(result.mapError(BlueZError.init))
            }
        } catch {
            throw BlueZError(error)
        }
    }

    /// Calls a method that returns nothing (or whose return values do not matter).
    func callVoid(
        path: DBusObjectPath, interface: String, member: String, arguments: [DBusValue] = [],
        reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try call(path: path, interface: interface, member: member, arguments: arguments) { result in
            reply(result.map { _ in () })
        }
    }

    /// `Properties.GetAll` of one interface of an object.
    public func properties(
        of path: DBusObjectPath, interface: String, reply: @escaping (Result<[String: DBusValue], BlueZError>) -> Void
    ) throws(BlueZError) {
        try call(path: path, interface: Self.propertiesInterface, member: "GetAll", arguments: [.string(interface)]) {
            result in
            reply(
                result.flatMap { values in
                    guard values.count == 1, let properties = values[0].variantDictionary else {
                        return .failure(BlueZError(.unexpectedReply, "GetAll(\(interface)) on \(path) answered \(values)"))
                    }
                    return .success(properties)
                })
        }
    }

    /// `Properties.Set` of one property.
    public func setProperty(
        _ name: String, to value: DBusValue, of path: DBusObjectPath, interface: String,
        reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try callVoid(
            path: path, interface: Self.propertiesInterface, member: "Set",
            arguments: [.string(interface), .string(name), .variant(value)], reply: reply)
    }

    /// `ObjectManager.GetManagedObjects` at `/`: every adapter, device and remote GATT object BlueZ has.
    public func managedObjects(reply: @escaping (Result<BlueZObjectTree, BlueZError>) -> Void) throws(BlueZError) {
        try call(path: BlueZNames.objectManagerPath, interface: Self.objectManagerInterface, member: "GetManagedObjects") {
            result in
            reply(result.flatMap { values in Result { () throws(BlueZError) in try BlueZObjectTree(managedObjects: values) } })
        }
    }

    /// The unique name that owns `serviceName` now, or nil when BlueZ is not running.
    public func currentOwner(reply: @escaping (Result<String?, BlueZError>) -> Void) throws(BlueZError) {
        do {
            try connection.call(
                destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus",
                member: "GetNameOwner", arguments: [.string(serviceName)], timeout: callTimeout
            ) { result in
                switch result {
                case .success(let values):
                    guard values.count == 1, let owner = values[0].string else {
                        reply(.failure(BlueZError(.unexpectedReply, "GetNameOwner answered \(values)")))
                        return
                    }
                    reply(.success(owner))
                case .failure(let error):
                    let blueZError = BlueZError(error)
                    reply(blueZError.code == .serviceUnknown ? .success(nil) : .failure(blueZError))
                }
            }
        } catch {
            throw BlueZError(error)
        }
    }

    /// Watches BlueZ's name: `handler` runs when bluetoothd starts (`newOwner` set), exits (`newOwner` nil) or
    /// is replaced. After a restart every registration with the old bluetoothd (applications, advertisements,
    /// notifications, acquired sockets, discovery) is gone and must be made again.
    public func watchOwner(
        installed: ((Result<Void, BlueZError>) -> Void)? = nil,
        handler: @escaping (DBusNameOwnerChange) -> Void
    ) throws(BlueZError) -> DBusRegistration {
        do {
            return try connection.matchNameOwnerChanged(
                name: serviceName, installed: installed.map { done in { done($0.mapError(BlueZError.init)) } },
                handler: handler)
        } catch {
            throw BlueZError(error)
        }
    }

    /// PropertiesChanged from BlueZ for `interface` at `path` (and, with `includingDescendants`, below it).
    public func watchProperties(
        at path: DBusObjectPath, interface: String? = nil, includingDescendants: Bool = false,
        installed: ((Result<Void, BlueZError>) -> Void)? = nil,
        handler: @escaping (DBusPropertiesChange) -> Void
    ) throws(BlueZError) -> DBusRegistration {
        do {
            return try connection.matchPropertiesChanged(
                sender: serviceName, pathNamespace: path, interface: interface,
                installed: installed.map { done in { done($0.mapError(BlueZError.init)) } }
            ) { change in
                // A path namespace match includes descendants; keep to the object unless asked.
                guard includingDescendants || change.path == path else { return }
                handler(change)
            }
        } catch {
            throw BlueZError(error)
        }
    }

    static let propertiesInterface = "org.freedesktop.DBus.Properties"
    static let objectManagerInterface = "org.freedesktop.DBus.ObjectManager"
}
