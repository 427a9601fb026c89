import ArgumentParser

/// What lies behind the PC/SC reader of path (b): the card served straight into vpcd, or pivlink-station
/// relaying to the card over Bluetooth LE. It only names path (b) in the table; the measurement is the same.
enum ReaderRoute: String, ExpressibleByArgument, CaseIterable {
    /// `pivlink-card serve --vpcd`: pcscd → vpcd → the card over loopback TCP.
    case vpcd
    /// `pivlink-station` on vpcd, the card on `pivlink-card serve --ble` across the (emulated) radio.
    case station

    /// Path (b)'s column title.
    var pathLabel: String {
        switch self {
        case .vpcd: "(b) PC/SC"
        case .station: "(b) PC/SC+BLE"
        }
    }

    /// The title of the column that shows what path (b) adds per APDU.
    var perAPDULabel: String {
        switch self {
        case .vpcd: "PC/SC µs/APDU"
        case .station: "PC/SC+BLE µs/APDU"
        }
    }

    /// One round trip of path (b), client to card and back.
    var roundTrip: String {
        switch self {
        case .vpcd: "client → pcscd → vpcd → pivlink-card"
        case .station: "client → pcscd → vpcd → pivlink-station → BLE link → pivlink-card"
        }
    }

    /// Path (b) in the header.
    var pathDescription: String {
        switch self {
        case .vpcd:
            "(b) PC/SC: SCardTransmit → pcscd → vpcd (loopback TCP) → pivlink-card serve; one connection, no\n    transactions."
        case .station:
            """
            (b) PC/SC+BLE: SCardTransmit → pcscd → vpcd (loopback TCP) → pivlink-station → link fragments over BLE
                GATT (the BlueZ emulator on a private bus) → pivlink-card serve --ble; one connection, no transactions.
            """
        }
    }
}
