import BlueZ
import DBus
import EventLoop
import Proximity

/// The connected link's RSSI from the kernel as `.rssi(source: .connection)`, and the device's link state
/// (`LinkStateTracker`). bluetoothd 5.66 has no connected-link RSSI on D-Bus, so while the link is up this asks the
/// controller itself: HCI Read RSSI on the LE connection's handle (HCIGETCONNINFO), through a raw HCI socket on
/// the device's adapter (`HCILinkSocket`), every `interval` on the loop's timer; the answers arrive on the loop
/// too. None of it needs a capability (see `HCILinkSocket`); mgmt's Get Connection Information would need
/// CAP_NET_ADMIN and answers from a cache up to 3 s old.
///
/// Without kernel Bluetooth, or when the kernel has no LE connection to the device (or the controller cannot read
/// RSSI), the log gets one line per `start()` saying so and why, and the source feeds link state only.
public final class KernelLinkRSSISource: PresenceSignalSource {
    /// How often the RSSI is read while the link is up: 2 Hz.
    public static let interval: Duration = .milliseconds(500)

    private let client: BlueZClient
    private let device: DBusObjectPath
    private let loop: EventLoop
    private let log: (String) -> Void
    private var registrations: [DBusRegistration] = []
    private var linkState = LinkStateTracker()
    /// Bumped by `stop()`, so that a GetAll answering after it (or after a restart) is dropped.
    private var generation = 0
    /// Whether this start's one line about the RSSI being unavailable was logged.
    private var reportedUnavailable = false
    private var sampling: Sampling?

    /// The socket, its watch and the timer of one link-up.
    private struct Sampling {
        let socket: HCILinkSocket
        let watch: IOSource
        let timer: TimerSource
    }

    /// Watches `device`, e.g. `/org/bluez/hci1/dev_00_AA_01_00_00_00`, through `client`, and reads its link's RSSI
    /// from the adapter in the path; events carry `loop.now()`; `log` gets the line about an unavailable RSSI.
    public init(client: BlueZClient, device: DBusObjectPath, loop: EventLoop, log: @escaping (String) -> Void) {
        self.client = client
        self.device = device
        self.loop = loop
        self.log = log
    }

    public func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError) {
        stop()
        let loop = loop
        let deliver = { [unowned self] (event: ProximityEvent) in
            handler(event, loop.now())
            switch event {
            case .linkUp: startSampling(handler)
            case .linkDown: stopSampling()
            case .rssi, .roundTrip: break
            }
        }
        do throws(BlueZError) {
            registrations.append(
                try BlueZDevice(client: client, path: device).watchProperties { [unowned self] change in
                    if let event = linkState.apply(changed: change.changed, invalidated: change.invalidated) {
                        deliver(event)
                    } else if change.changed["ServicesResolved"]?.boolean == true, !linkState.isUp {
                        // bluetoothd 5.66 does not always signal Connected: when the ATT channel of a Connect is up
                        // before mgmt's Device Connected event, device_add_connection finds the bearer connected and
                        // says nothing ("already connected", seen in the BlueZ VM). Its properties say it.
                        do throws(BlueZError) {
                            try readLinkState(deliver)
                        } catch {
                            log("cannot read \(device)'s link state: \(error.detail)")
                        }
                    }
                })
            // A device connected before the watch: its current state. Absent (not discovered yet) is a link down.
            try readLinkState(deliver)
        } catch {
            stop()
            throw StationDaemonError(.busFailed, "cannot watch \(device)'s link: \(error.detail)")
        }
    }

    /// Applies Device1's current properties (GetAll) to the link state; a GetAll answering after `stop()` is dropped.
    private func readLinkState(_ deliver: @escaping (ProximityEvent) -> Void) throws(BlueZError) {
        let started = generation
        try BlueZDevice(client: client, path: device).properties { [weak self] result in
            guard let self, generation == started, case .success(let properties) = result,
                let event = linkState.apply(changed: properties.raw)
            else { return }
            deliver(event)
        }
    }

    public func stop() {
        registrations.forEach { $0.cancel() }
        registrations = []
        stopSampling()
        linkState = LinkStateTracker()
        reportedUnavailable = false
        generation += 1
    }

    /// Opens the socket on the link's adapter, finds the connection and reads its RSSI now and every `interval`.
    private func startSampling(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) {
        stopSampling()
        guard let address = HCIDeviceAddress(device: device) else {
            return reportUnavailable("\(device) is not a BlueZ device path (/org/bluez/hciN/dev_XX_XX_XX_XX_XX_XX)")
        }
        let socket: HCILinkSocket
        switch HCILinkSocket.open(address) {
        case .opened(let opened): socket = opened
        case .failed(let reason): return reportUnavailable(reason)
        }
        let loop = loop
        do {
            let watch = try loop.addIO(fileDescriptor: socket.fileDescriptor, events: .readable) { [unowned self] _ in
                receive(on: socket, handler)
            }
            let timer = try loop.makeTimer(accuracy: .milliseconds(10)) { [unowned self] in
                requestRSSI(on: socket)
            }
            try timer.arm(after: .zero)
            sampling = Sampling(socket: socket, watch: watch, timer: timer)
        } catch {
            reportUnavailable("the event loop refused the HCI socket's watch or timer: \(error)")
        }
    }

    private func stopSampling() {
        guard let sampling else { return }
        sampling.timer.cancel()
        // The watch goes before the socket closes, so that epoll never watches a reused descriptor.
        sampling.watch.remove()
        self.sampling = nil
    }

    private func requestRSSI(on socket: HCILinkSocket) {
        if let failure = socket.send(HCIReadRSSI.command(handle: socket.handle)) {
            return stopSampling(reporting: failure)
        }
        do {
            try sampling?.timer.arm(after: Self.interval)
        } catch {
            stopSampling(reporting: "the event loop refused the next reading's timer: \(error)")
        }
    }

    /// Reads every answer waiting on the socket; an RSSI for the link's handle is an event.
    private func receive(on socket: HCILinkSocket, _ handler: (ProximityEvent, MonotonicInstant) -> Void) {
        while sampling?.socket === socket {
            switch socket.receive() {
            case .drained:
                return
            case .failed(let reason):
                return stopSampling(reporting: reason)
            case .packet(let packet):
                switch HCIReadRSSI.reply(packet) {
                case .rssi(let handle, let dBm) where handle == socket.handle:
                    handler(.rssi(dBm: Double(dBm), source: .connection), loop.now())
                case .failed(HCIReadRSSI.unknownConnection):
                    // The connection went away; Device1's link down follows.
                    return stopSampling()
                case .failed(HCIReadRSSI.unknownCommand):
                    return stopSampling(reporting: "the controller does not support HCI Read RSSI")
                case .failed(let status):
                    return stopSampling(reporting: "HCI Read RSSI failed with status 0x\(String(status, radix: 16))")
                case .rssi, .notAvailable, nil:
                    // Another connection's answer (another process asked), no RSSI this time, or another event.
                    continue
                }
            }
        }
    }

    private func stopSampling(reporting reason: String) {
        stopSampling()
        reportUnavailable(reason)
    }

    private func reportUnavailable(_ reason: String) {
        guard !reportedUnavailable else { return }
        reportedUnavailable = true
        log("connected-link RSSI of \(device) is unavailable, so the walk-away lock has its link state only: \(reason)")
    }
}
