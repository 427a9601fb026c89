/// One interface exported at one path and owned under a well-known name, whose properties all read one status
/// value: the part of a daemon's bus service that is the same for every daemon (export, name, `PropertiesChanged`,
/// error names). The service around it keeps its methods and its own error type.
///
/// Used on the loop's thread only, like `DBusConnection`.
public final class DBusStatusObject<Property: DBusStatusProperty> {
    public let busName: String
    public let interfaceName: String
    public let objectPath: DBusObjectPath
    /// What the properties say now.
    public private(set) var status: Property.Status

    /// Who the object speaks for in messages, e.g. "the card".
    private let owner: String
    private let connection: DBusConnection
    /// Optional only because the getters capture `self` weakly before init ends; set by every init that returns.
    private var object: DBusExportedObject?
    private var ownsName = false

    /// Exports the interface with `methods` and every `Property` (not yet under the well-known name:
    /// `requestName(ifTaken:ifRefused:_:)`). `owner` names the daemon in messages ("the card").
    public init(
        connection: DBusConnection, busName: String, interfaceName: String, objectPath: DBusObjectPath, owner: String,
        status: Property.Status, methods: [DBusMethod]
    ) throws(DBusError) {
        self.connection = connection
        self.busName = busName
        self.interfaceName = interfaceName
        self.objectPath = objectPath
        self.owner = owner
        self.status = status
        let interface = DBusInterface(
            interfaceName,
            methods: methods,
            properties: Property.allCases.map { property in
                DBusProperty(property.rawValue, type: property.type) { [weak self, owner] () throws(DBusError) in
                    guard let self else { throw DBusError(.failed, "\(owner) is shutting down") }
                    return property.value(of: self.status)
                }
            }
        )
        do {
            object = try connection.exportObject(at: objectPath, interfaces: [interface])
        } catch {
            throw DBusError(error.code, name: error.name, message: "cannot export \(interfaceName) at \(objectPath): \(error.message)")
        }
    }

    deinit {
        object?.remove()
        if ownsName {
            // The bus frees the name with the connection anyway; releasing it now lets a successor take it at once.
            try? connection.releaseName(busName) { _ in }
        }
    }

    /// Asks the bus for the well-known name, without queueing: another owner means another such daemon runs.
    /// A failure's message is one line ending in `ifTaken` (the name has an owner) or `ifRefused` (the bus said no).
    public func requestName(ifTaken: String, ifRefused: String, _ completion: @escaping (Result<Void, DBusError>) -> Void) {
        let busName = busName
        do {
            try connection.requestName(busName, flags: .doNotQueue) { [weak self] result in
                switch result {
                case .success(.primaryOwner), .success(.alreadyOwner):
                    self?.ownsName = true
                    completion(.success(()))
                case .success(.exists), .success(.inQueue):
                    completion(.failure(DBusError(.failed, "\(busName) is already owned on the system bus: \(ifTaken)")))
                case .failure(let error):
                    completion(.failure(DBusError(
                        error.code, name: error.name, message: "the bus refused \(busName) (\(error.message)): \(ifRefused)")))
                }
            }
        } catch {
            completion(.failure(DBusError(error.code, name: error.name, message: "cannot request \(busName): \(error.message)")))
        }
    }

    /// Takes the new status and emits one `PropertiesChanged` with exactly the properties whose bus values changed
    /// (none when nothing did). The status is taken even when the signal cannot be sent.
    public func update(_ status: Property.Status) throws(DBusError) {
        let old = self.status
        self.status = status
        let changed = Property.allCases.filter { $0.value(of: old) != $0.value(of: status) }
        guard let object, !changed.isEmpty else { return }
        do {
            try object.emitPropertiesChanged(interface: interfaceName, properties: changed.map(\.rawValue))
        } catch {
            throw DBusError(
                error.code, name: error.name, message: "cannot announce \(owner)'s \(changed.map(\.rawValue)): \(error.message)")
        }
    }

    /// The D-Bus error a daemon's failure is sent as: `<interface>.Error.` and its code capitalised
    /// (`notPaired` → `org.pivlink.Card1.Error.NotPaired`), with its one-line detail.
    public static func error(prefix: String, code: String, detail: String) -> DBusError {
        DBusError(name: prefix + code.prefix(1).uppercased() + code.dropFirst(), message: detail)
    }
}
