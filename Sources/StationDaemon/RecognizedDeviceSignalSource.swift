import DBus
import EventLoop
import Proximity

/// A presence feed that follows the card's device, which is known only once the station recognised the card's
/// private advertisement (a phone's address rotates, so there is no fixed one): `follow(_:)` swaps the feed made
/// by `make` for the new device's, keeping the handler. Before the first recognised device it delivers nothing.
final class RecognizedDeviceSignalSource: PresenceSignalSource {
    private let make: (DBusObjectPath) -> any PresenceSignalSource
    private let log: (String) -> Void
    private var handler: ((ProximityEvent, MonotonicInstant) -> Void)?
    private(set) var device: DBusObjectPath?
    private var current: (any PresenceSignalSource)?

    /// `log` gets one line when the feed for a device cannot be set up (presence then does without it).
    init(log: @escaping (String) -> Void, make: @escaping (DBusObjectPath) -> any PresenceSignalSource) {
        self.make = make
        self.log = log
    }

    func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError) {
        stop()
        self.handler = handler
        if let device {
            let source = make(device)
            try source.start(handler)
            current = source
        }
    }

    func stop() {
        current?.stop()
        current = nil
        handler = nil
    }

    /// Feeds from `device` from now on (nothing changes when it is the one followed already).
    func follow(_ device: DBusObjectPath) {
        guard device != self.device else { return }
        self.device = device
        current?.stop()
        current = nil
        guard let handler else { return }
        let source = make(device)
        do {
            try source.start(handler)
            current = source
        } catch {
            log(error.detail)
        }
    }
}
