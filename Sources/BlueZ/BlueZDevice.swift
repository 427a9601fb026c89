import DBus

/// A remote device, `/org/bluez/hciN/dev_AA_BB_CC_DD_EE_FF` (doc/device-api.txt).
public struct BlueZDevice {
    public let client: BlueZClient
    public let path: DBusObjectPath

    public init(client: BlueZClient, path: DBusObjectPath) {
        self.client = client
        self.path = path
    }

    public func properties(reply: @escaping (Result<BlueZDeviceProperties, BlueZError>) -> Void) throws(BlueZError) {
        let path = path
        try client.properties(of: path, interface: BlueZNames.device) { result in
            reply(result.map { BlueZDeviceProperties(path: path, properties: $0) })
        }
    }

    /// Connects and resolves services; the reply comes when the link is up (`Connected`), and
    /// `ServicesResolved` turns true later. Errors: `.notReady`, `.failed`, `.inProgress`, `.alreadyConnected`.
    public func connect(reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try client.callVoid(path: path, interface: BlueZNames.device, member: "Connect", reply: reply)
    }

    /// Errors: `.notConnected`.
    public func disconnect(reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try client.callVoid(path: path, interface: BlueZNames.device, member: "Disconnect", reply: reply)
    }

    /// This device's PropertiesChanged (Connected, ServicesResolved, RSSI, …) until the registration goes.
    public func watchProperties(
        installed: ((Result<Void, BlueZError>) -> Void)? = nil,
        handler: @escaping (DBusPropertiesChange) -> Void
    ) throws(BlueZError) -> DBusRegistration {
        try client.watchProperties(at: path, interface: BlueZNames.device, installed: installed, handler: handler)
    }
}
