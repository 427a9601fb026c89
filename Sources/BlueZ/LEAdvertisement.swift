import DBus

/// An `org.bluez.LEAdvertisement1` object (doc/advertising-api.txt), for
/// `BlueZAdapter.registerAdvertisement(_:reply:)`. BlueZ reads the properties once, at registration, and
/// calls `Release` when it drops the advertisement on its own (e.g. the adapter powered off).
public final class LEAdvertisement {
    /// What is advertised. Legacy advertising carries 31 bytes: flags take 3, a 128-bit service UUID 18, so a
    /// short local name fits beside one UUID and little else.
    public struct Content: Hashable, Sendable {
        /// "peripheral" (connectable) or "broadcast".
        public var type: String
        public var serviceUUIDs: [BluetoothUUID]
        public var localName: String?
        public var manufacturerData: [UInt16: [UInt8]]
        public var serviceData: [BluetoothUUID: [UInt8]]
        /// Extra items BlueZ fills in: "tx-power", "appearance", "local-name".
        public var includes: [String]
        public var discoverable: Bool?

        public init(
            type: String = "peripheral", serviceUUIDs: [BluetoothUUID] = [], localName: String? = nil,
            manufacturerData: [UInt16: [UInt8]] = [:], serviceData: [BluetoothUUID: [UInt8]] = [:],
            includes: [String] = [], discoverable: Bool? = nil
        ) {
            self.type = type
            self.serviceUUIDs = serviceUUIDs
            self.localName = localName
            self.manufacturerData = manufacturerData
            self.serviceData = serviceData
            self.includes = includes
            self.discoverable = discoverable
        }
    }

    public let path: DBusObjectPath
    public let content: Content
    private var object: DBusExportedObject?

    /// Exports the advertisement; `onRelease` runs when BlueZ releases it.
    public init(
        connection: DBusConnection, path: DBusObjectPath, content: Content, onRelease: @escaping () -> Void
    ) throws(BlueZError) {
        self.path = path
        self.content = content
        var properties = [
            DBusProperty("Type", type: .string, changeSignal: .constant) { .string(content.type) },
            DBusProperty("ServiceUUIDs", type: .array(.string), changeSignal: .constant) {
                .strings(content.serviceUUIDs.map(\.rawValue))
            },
            DBusProperty("Includes", type: .array(.string), changeSignal: .constant) { .strings(content.includes) },
        ]
        if let localName = content.localName {
            properties.append(DBusProperty("LocalName", type: .string, changeSignal: .constant) { .string(localName) })
        }
        if !content.manufacturerData.isEmpty {
            properties.append(DBusProperty("ManufacturerData", type: .dictionary(key: .uint16, value: .variant),
                                           changeSignal: .constant) {
                .dictionary(key: .uint16, value: .variant,
                            content.manufacturerData.sorted { $0.key < $1.key }.map { (.uint16($0.key), .variant(.bytes($0.value))) })
            })
        }
        if !content.serviceData.isEmpty {
            properties.append(DBusProperty("ServiceData", type: .dictionary(key: .string, value: .variant),
                                           changeSignal: .constant) {
                .dictionary(key: .string, value: .variant,
                            content.serviceData.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                                (.string($0.key.rawValue), .variant(.bytes($0.value)))
                            })
            })
        }
        if let discoverable = content.discoverable {
            properties.append(DBusProperty("Discoverable", type: .boolean, changeSignal: .constant) { .boolean(discoverable) })
        }
        let release = DBusMethod("Release") { call in
            call.reply()
            onRelease()
        }
        do {
            object = try connection.exportObject(
                at: path, interfaces: [DBusInterface(BlueZNames.advertisement, methods: [release], properties: properties)])
        } catch {
            throw BlueZError(error)
        }
    }

    deinit {
        remove()
    }

    public func remove() {
        object?.remove()
        object = nil
    }
}
