import BlueZ
import DBus
import EventLoop
import Proximity

/// The card's advertisements as `.rssi(source: .advertisement)`: `RSSI` of its Device1, which BlueZ sets from each
/// advertising report while an adapter discovers (with a discovery filter, every change; without one, only
/// changes of 8 dB or more) and invalidates when discovery stops. An invalidated RSSI is no sample: the engine's
/// `advertisement_timeout` covers the silence. Whoever owns the adapter starts the filtered discovery.
public final class AdvertisementRSSISource: PresenceSignalSource {
    private let client: BlueZClient
    private let device: DBusObjectPath
    private let loop: EventLoop
    private var registration: DBusRegistration?

    /// Watches `device`, e.g. `/org/bluez/hci1/dev_00_AA_01_00_00_00`, through `client`; events carry `loop.now()`.
    public init(client: BlueZClient, device: DBusObjectPath, loop: EventLoop) {
        self.client = client
        self.device = device
        self.loop = loop
    }

    public func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError) {
        stop()
        let loop = loop
        do {
            registration = try BlueZDevice(client: client, path: device).watchProperties { change in
                guard let rssi = change.changed["RSSI"]?.int16 else { return }
                handler(.rssi(dBm: Double(rssi), source: .advertisement), loop.now())
            }
        } catch {
            throw StationDaemonError(.busFailed, "cannot watch \(device)'s advertisements: \(error.detail)")
        }
    }

    public func stop() {
        registration?.cancel()
        registration = nil
    }
}
