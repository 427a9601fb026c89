import DBus

/// BlueZ's bus name and the interface names of its D-Bus API (doc/*-api.txt of BlueZ 5.66).
public enum BlueZNames {
    /// bluetoothd's well-known bus name.
    public static let service = "org.bluez"
    /// The object manager root of bluetoothd's tree.
    public static let objectManagerPath = DBusObjectPath.root

    public static let adapter = "org.bluez.Adapter1"
    public static let device = "org.bluez.Device1"
    public static let gattService = "org.bluez.GattService1"
    public static let gattCharacteristic = "org.bluez.GattCharacteristic1"
    public static let gattDescriptor = "org.bluez.GattDescriptor1"
    public static let gattManager = "org.bluez.GattManager1"
    public static let advertisingManager = "org.bluez.LEAdvertisingManager1"
    public static let advertisement = "org.bluez.LEAdvertisement1"
}
