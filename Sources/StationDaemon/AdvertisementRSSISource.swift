import BlueZ
import DBus
import EventLoop
import Proximity

/// The card's advertisements as `.rssi(source: .advertisement)`: `RSSI` of its Device1, which BlueZ sets from each
/// advertising report while an adapter discovers (with a discovery filter, every change; without one, only
/// changes of 8 dB or more) and invalidates when discovery stops. The first report of a device BlueZ did not know
/// comes with the object (InterfacesAdded), the later ones as PropertiesChanged. An invalidated RSSI is no sample: the engine's
/// `advertisement_timeout` covers the silence. Whoever owns the adapter starts the filtered discovery.
public final class AdvertisementRSSISource: PresenceSignalSource {
    private let client: BlueZClient
    private let device: DBusObjectPath
    private let loop: EventLoop
    private var registrations: [DBusRegistration] = []

    /// Watches `device`, e.g. `/org/bluez/hci1/dev_00_AA_01_00_00_00`, through `client`; events carry `loop.now()`.
    public init(client: BlueZClient, device: DBusObjectPath, loop: EventLoop) {
        self.client = client
        self.device = device
        self.loop = loop
    }

    public func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError) {
        stop()
        let loop = loop
        let device = device
        func deliver(_ properties: [String: DBusValue]) {
            guard let sample = Self.sample(properties) else { return }
            handler(sample, loop.now())
        }
        func failure(_ error: BlueZError) -> StationDaemonError {
            StationDaemonError(.busFailed, "cannot watch \(device)'s advertisements: \(error.detail)")
        }
        do {
            registrations.append(
                try client.connection.matchInterfacesAdded(sender: client.serviceName, managerPath: BlueZNames.objectManagerPath) {
                    added in
                    guard added.object == device, let properties = added.interfaces[BlueZNames.device] else { return }
                    deliver(properties)
                })
        } catch {
            throw failure(BlueZError(error))
        }
        do {
            registrations.append(try BlueZDevice(client: client, path: device).watchProperties { deliver($0.changed) })
        } catch {
            stop()
            throw failure(error)
        }
    }

    /// The sample in a Device1 property set, if it has an RSSI that is one: bluetoothd passes on the controller's
    /// 127, HCI's "RSSI not available" (btvirt reports it), which is no reading.
    static func sample(_ properties: [String: DBusValue]) -> ProximityEvent? {
        guard let rssi = properties["RSSI"]?.int16, rssi != Int16(HCIReadRSSI.notAvailable) else { return nil }
        return .rssi(dBm: Double(rssi), source: .advertisement)
    }

    public func stop() {
        registrations.forEach { $0.cancel() }
        registrations = []
    }
}
