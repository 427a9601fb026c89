/// A service of a peripheral application: what `GattApplication` exports as `org.bluez.GattService1`.
public struct GattLocalService {
    public let uuid: BluetoothUUID
    public let primary: Bool
    public let characteristics: [GattLocalCharacteristic]

    public init(uuid: BluetoothUUID, primary: Bool = true, characteristics: [GattLocalCharacteristic]) {
        self.uuid = uuid
        self.primary = primary
        self.characteristics = characteristics
    }
}
