import EventLoop
import Proximity

/// One feed of the walk-away lock's inputs: RSSI samples and link up/down, each delivered on the event loop with
/// the loop's `now()`, ready for `ProximityEngine`. The feeds that exist: `EmulatedLinkRSSISource` (the BlueZ
/// emulator's connected-link RSSI and the device's link state, for tests), `AdvertisementRSSISource` (Device1.RSSI
/// while discovering) and `TraceReplaySource` (a recorded trace). The connected link's RSSI from the kernel (HCI
/// Read RSSI, mgmt Get Connection Information) is not one yet: it needs kernel Bluetooth.
public protocol PresenceSignalSource: AnyObject {
    /// Starts delivering events to `handler` until `stop()`; throws if the feed cannot be set up.
    func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError)
    /// Stops delivering; `start` may be called again.
    func stop()
}
