import DBus

/// An adapter, `/org/bluez/hciN`: `Adapter1` for the central (power, discovery, forgetting devices), and
/// `GattManager1`/`LEAdvertisingManager1` for the peripheral (registering an application and an advertisement).
public struct BlueZAdapter {
    public let client: BlueZClient
    public let path: DBusObjectPath

    public init(client: BlueZClient, path: DBusObjectPath) {
        self.client = client
        self.path = path
    }

    /// The adapter named like `hci0`; throws `.invalidArguments` for a name that is not a path element.
    public init(client: BlueZClient, name: String) throws(BlueZError) {
        do {
            self.init(client: client, path: try DBusObjectPath("/org/bluez").appending(name))
        } catch {
            throw BlueZError(.invalidArguments, "'\(name)' is not an adapter name such as hci0")
        }
    }

    public func properties(reply: @escaping (Result<BlueZAdapterProperties, BlueZError>) -> Void) throws(BlueZError) {
        let path = path
        try client.properties(of: path, interface: BlueZNames.adapter) { result in
            reply(result.map { BlueZAdapterProperties(path: path, properties: $0) })
        }
    }

    /// Sets `Powered`.
    public func setPowered(_ powered: Bool, reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try client.setProperty("Powered", to: .boolean(powered), of: path, interface: BlueZNames.adapter, reply: reply)
    }

    public func setDiscoveryFilter(
        _ filter: BlueZDiscoveryFilter, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try adapterCall("SetDiscoveryFilter", [filter.dictionary], reply)
    }

    /// Starts discovery for this client; BlueZ stops it when the client leaves the bus.
    public func startDiscovery(reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try adapterCall("StartDiscovery", [], reply)
    }

    public func stopDiscovery(reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try adapterCall("StopDiscovery", [], reply)
    }

    /// Forgets a device (and its bond); BlueZ disconnects it first.
    public func removeDevice(
        _ device: DBusObjectPath, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try adapterCall("RemoveDevice", [.objectPath(device)], reply)
    }

    // MARK: peripheral

    /// `GattManager1.RegisterApplication`: BlueZ reads the application's tree once (GetManagedObjects at
    /// `application`, on this connection) before it answers.
    public func registerApplication(
        _ application: DBusObjectPath, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try client.callVoid(
            path: path, interface: BlueZNames.gattManager, member: "RegisterApplication",
            arguments: [.objectPath(application), .variantDictionary([:])], reply: reply)
    }

    public func unregisterApplication(
        _ application: DBusObjectPath, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try client.callVoid(
            path: path, interface: BlueZNames.gattManager, member: "UnregisterApplication",
            arguments: [.objectPath(application)], reply: reply)
    }

    /// `LEAdvertisingManager1.RegisterAdvertisement`: BlueZ reads the advertisement's properties once.
    public func registerAdvertisement(
        _ advertisement: DBusObjectPath, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try client.callVoid(
            path: path, interface: BlueZNames.advertisingManager, member: "RegisterAdvertisement",
            arguments: [.objectPath(advertisement), .variantDictionary([:])], reply: reply)
    }

    public func unregisterAdvertisement(
        _ advertisement: DBusObjectPath, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try client.callVoid(
            path: path, interface: BlueZNames.advertisingManager, member: "UnregisterAdvertisement",
            arguments: [.objectPath(advertisement)], reply: reply)
    }

    private func adapterCall(
        _ member: String, _ arguments: [DBusValue], _ reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        try client.callVoid(path: path, interface: BlueZNames.adapter, member: member, arguments: arguments, reply: reply)
    }
}
