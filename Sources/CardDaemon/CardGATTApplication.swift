import BlueZ
import DBus

/// The pivlink GATT service as the card publishes it (docs/link-protocol.md, "GATT service"): one primary
/// service with the request, response and info characteristics.
///
/// Flags are the plain `write`/`write-without-response`, `notify` and `read`: the link is not paired yet. The
/// `secure-*` flags (LE Secure Connections with MITM protection, research/ble.md §5) come with pairing in a
/// later issue.
enum CardGATTApplication {
    static let service: BluetoothUUID = "898a0001-6249-4f6c-b878-318bb3580b9c"
    static let request: BluetoothUUID = "898a0002-6249-4f6c-b878-318bb3580b9c"
    static let response: BluetoothUUID = "898a0003-6249-4f6c-b878-318bb3580b9c"
    static let info: BluetoothUUID = "898a0004-6249-4f6c-b878-318bb3580b9c"

    static let path: DBusObjectPath = "/org/pivlink/card"

    /// What bluetoothd's calls reach; `BLEPeripheralServer` supplies them.
    struct Handlers {
        var write: GattLocalCharacteristic.WriteHandler
        var acquireNotify: GattLocalCharacteristic.AcquireHandler
        var stopNotify: () -> Void
        var readInfo: GattLocalCharacteristic.ReadHandler
    }

    /// The service, offering AcquireNotify unless told not to (BlueZ uses it when it supports it, and falls back to
    /// PropertiesChanged otherwise). Never AcquireWrite: bluetoothd 5.66 shares one acquired write socket among all
    /// devices, and a card must know which station wrote (`BLEPeripheralServer`).
    static func services(_ handlers: Handlers, offeringAcquiredSockets: Bool) -> [GattLocalService] {
        [
            GattLocalService(
                uuid: service,
                characteristics: [
                    GattLocalCharacteristic(
                        uuid: request, flags: ["write", "write-without-response"], write: handlers.write),
                    GattLocalCharacteristic(
                        uuid: response, flags: ["notify"],
                        acquireNotify: offeringAcquiredSockets ? handlers.acquireNotify : nil,
                        stopNotify: handlers.stopNotify),
                    GattLocalCharacteristic(uuid: info, flags: ["read"], read: handlers.readInfo),
                ])
        ]
    }
}
