import DBus

/// A live copy of bluetoothd's object tree for a central: it loads `GetManagedObjects`, applies
/// InterfacesAdded/Removed and PropertiesChanged as they come, empties itself when bluetoothd leaves the bus
/// and reloads when it comes back, and tells `handler` about each step after applying it to `tree`.
///
/// Signals that arrive before the snapshot are already in it (the bus delivers in order, and the matches go
/// out before the call), so they are not applied twice.
public final class BlueZObjectMirror {
    public enum Event {
        /// `tree` holds a fresh snapshot: after `start()`, and after bluetoothd (re)started.
        case loaded
        case interfacesAdded(DBusInterfacesAdded)
        case interfacesRemoved(DBusInterfacesRemoved)
        case propertiesChanged(DBusPropertiesChange)
        /// bluetoothd left the bus: `tree` is empty, and everything registered with it is gone.
        case serviceLost
        /// The snapshot could not be loaded (`tree` stays empty until bluetoothd restarts).
        case loadFailed(BlueZError)
    }

    public let client: BlueZClient
    public private(set) var tree = BlueZObjectTree()
    /// True from `.loaded` until `.serviceLost` or `.loadFailed`.
    public private(set) var isLoaded = false

    private let handler: (Event) -> Void
    private var registrations: [DBusRegistration] = []
    /// Counts loads, so the reply of a load overtaken by a restart is dropped.
    private var generation = 0

    public init(client: BlueZClient, handler: @escaping (Event) -> Void) {
        self.client = client
        self.handler = handler
    }

    /// Installs the watches and loads the tree. Throws only if the connection is closed.
    public func start() throws(BlueZError) {
        precondition(registrations.isEmpty, "BlueZObjectMirror.start() called twice")
        let connection = client.connection
        let ownerWatch = try client.watchOwner { [weak self] change in self?.ownerChanged(change) }
        do {
            registrations = [
                ownerWatch,
                try connection.matchInterfacesAdded(sender: client.serviceName, managerPath: BlueZNames.objectManagerPath) {
                    [weak self] added in self?.received(.interfacesAdded(added)) { $0.apply(added) }
                },
                try connection.matchInterfacesRemoved(sender: client.serviceName, managerPath: BlueZNames.objectManagerPath) {
                    [weak self] removed in self?.received(.interfacesRemoved(removed)) { $0.apply(removed) }
                },
                try connection.matchPropertiesChanged(sender: client.serviceName) { [weak self] change in
                    self?.received(.propertiesChanged(change)) { $0.apply(change) }
                },
            ]
        } catch {
            registrations = []
            throw BlueZError(error)
        }
        try load()
    }

    /// Stops watching; the tree stays as it was.
    public func stop() {
        registrations.forEach { $0.cancel() }
        registrations = []
        generation += 1
    }

    private func load() throws(BlueZError) {
        generation += 1
        let loading = generation
        try client.managedObjects { [weak self] result in
            guard let self, loading == generation else { return }
            switch result {
            case .success(let tree):
                self.tree = tree
                isLoaded = true
                handler(.loaded)
            case .failure(let error):
                tree = BlueZObjectTree()
                isLoaded = false
                handler(.loadFailed(error))
            }
        }
    }

    private func received(_ event: Event, apply: (inout BlueZObjectTree) -> Void) {
        guard isLoaded else { return }
        apply(&tree)
        handler(event)
    }

    private func ownerChanged(_ change: DBusNameOwnerChange) {
        if change.oldOwner != nil {
            generation += 1
            tree = BlueZObjectTree()
            isLoaded = false
            handler(.serviceLost)
        }
        if change.newOwner != nil {
            do {
                try load()
            } catch {
                handler(.loadFailed(error))
            }
        }
    }
}
