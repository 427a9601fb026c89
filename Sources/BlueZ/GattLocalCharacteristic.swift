/// A characteristic of a peripheral application, as declared: UUID, flags and the handlers bluetoothd's calls
/// reach. `GattApplication` exports it as `org.bluez.GattCharacteristic1` (`GattExportedCharacteristic`).
///
/// Handlers run on the event loop and answer at once; an error travels to BlueZ as its D-Bus name
/// (`org.bluez.Error.NotPermitted` → ATT Write Not Permitted, `Failed` "0x80"… → that ATT code), except on a
/// characteristic flagged `write-without-response`, where BlueZ has already acknowledged the write and drops
/// the answer (research/ble.md §1.1): report errors in-band there.
public struct GattLocalCharacteristic {
    public typealias ReadHandler = (GattRequestOptions) -> Result<[UInt8], BlueZError>
    public typealias WriteHandler = ([UInt8], GattRequestOptions) -> Result<Void, BlueZError>
    /// Returns the application's end of a `SOCK_SEQPACKET` pair (BlueZ gets a duplicate) and the MTU.
    public typealias AcquireHandler = (GattRequestOptions) -> Result<BlueZAcquiredSocket, BlueZError>

    public let uuid: BluetoothUUID
    /// doc/gatt-api.txt flags: "read", "write", "write-without-response", "notify", "secure-write", …
    public let flags: [String]
    /// `ReadValue`; without it reads fail `NotSupported`.
    public var read: ReadHandler?
    /// `WriteValue`; without it writes fail `NotSupported`.
    public var write: WriteHandler?
    /// Set: the characteristic has `WriteAcquired`, and BlueZ calls `AcquireWrite` at the first write and then
    /// sends each write as a datagram instead of calling `WriteValue`.
    public var acquireWrite: AcquireHandler?
    /// Set: the characteristic has `NotifyAcquired`, and BlueZ calls `AcquireNotify` when a central subscribes
    /// and turns each datagram written into a notification (instead of `StartNotify`).
    public var acquireNotify: AcquireHandler?
    /// A central subscribed (the first one; BlueZ calls it once for all).
    public var startNotify: (() -> Void)?
    /// The last subscriber left or disconnected.
    public var stopNotify: (() -> Void)?

    public init(
        uuid: BluetoothUUID, flags: [String], read: ReadHandler? = nil, write: WriteHandler? = nil,
        acquireWrite: AcquireHandler? = nil, acquireNotify: AcquireHandler? = nil,
        startNotify: (() -> Void)? = nil, stopNotify: (() -> Void)? = nil
    ) {
        self.uuid = uuid
        self.flags = flags
        self.read = read
        self.write = write
        self.acquireWrite = acquireWrite
        self.acquireNotify = acquireNotify
        self.startNotify = startNotify
        self.stopNotify = stopNotify
    }
}
