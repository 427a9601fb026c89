import BlueZ
import DBus
import EventLoop
import Proximity

/// The BlueZ emulator's connected-link RSSI (`LinkRSSI` of `org.pivlink.EmulatedLink1` on the card's Device1,
/// Tests/BlueZEmulator/README.md) as `.rssi(source: .connection)`, one event per PropertiesChanged (the emulator
/// emits repeats: it is a feed), and the device's link state (`LinkStateTracker`). bluetoothd 5.66 has no
/// connected-link RSSI on D-Bus; this stands in for the kernel's in tests.
public final class EmulatedLinkRSSISource: PresenceSignalSource {
    public static let interface = "org.pivlink.EmulatedLink1"

    private let client: BlueZClient
    private let device: DBusObjectPath
    private let loop: EventLoop
    private var registrations: [DBusRegistration] = []
    private var linkState = LinkStateTracker()
    /// Bumped by `stop()`, so that a GetAll answering after it (or after a restart) is dropped.
    private var generation = 0

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
            registrations.append(
                try client.watchProperties(at: device, interface: Self.interface) { change in
                    guard let rssi = change.changed["LinkRSSI"]?.int16 else { return }
                    handler(.rssi(dBm: Double(rssi), source: .connection), loop.now())
                })
            registrations.append(
                try BlueZDevice(client: client, path: device).watchProperties { [unowned self] change in
                    if let event = linkState.apply(changed: change.changed, invalidated: change.invalidated) {
                        handler(event, loop.now())
                    }
                })
            // A device connected before the watch: its current state. Absent (not discovered yet) is a link down.
            let started = generation
            try BlueZDevice(client: client, path: device).properties { [weak self] result in
                guard let self, generation == started, case .success(let properties) = result,
                    let event = linkState.apply(changed: properties.raw)
                else { return }
                handler(event, loop.now())
            }
        } catch {
            stop()
            throw StationDaemonError(.busFailed, "cannot watch \(device)'s link: \(error.detail)")
        }
    }

    public func stop() {
        registrations.forEach { $0.cancel() }
        registrations = []
        linkState = LinkStateTracker()
        generation += 1
    }
}
