/// Where the station takes the connected link's RSSI from: station.conf's `proximity.signal`.
public enum ConnectionSignal: String, Hashable, Sendable, CaseIterable {
    /// The kernel's (the default): HCI Read RSSI on the LE connection at 2 Hz (`KernelLinkRSSISource`), which needs
    /// no capability. Without kernel Bluetooth the station logs once that it has link state only.
    case kernel
    /// No connected-link RSSI: link state (and advertisements) only.
    case none
    /// The BlueZ emulator's `LinkRSSI` feed (`EmulatedLinkRSSISource`), for tests: bluetoothd 5.66 has no
    /// connected-link RSSI on D-Bus.
    case emulator
}
