/// Where the station takes the connected link's RSSI from: station.conf's `proximity.signal`.
public enum ConnectionSignal: String, Hashable, Sendable, CaseIterable {
    /// No connected-link RSSI (the default): the kernel's sources (HCI Read RSSI, mgmt Get Connection
    /// Information) are not built yet, and bluetoothd 5.66 has none on D-Bus.
    case none
    /// The BlueZ emulator's `LinkRSSI` feed (`EmulatedLinkRSSISource`), for tests.
    case emulator
}
