import DBus

/// A characteristic of a registered application, live on the bus: answers bluetoothd's calls through its
/// `GattLocalCharacteristic` handlers and notifies by changing `Value`.
public final class GattExportedCharacteristic {
    public let path: DBusObjectPath
    public let definition: GattLocalCharacteristic
    /// The last value notified.
    public private(set) var value: [UInt8] = []
    /// True between StartNotify and StopNotify.
    public private(set) var notifying = false
    /// True while BlueZ holds a socket from AcquireWrite.
    public private(set) var writeAcquired = false
    /// True while BlueZ holds a socket from AcquireNotify.
    public private(set) var notifyAcquired = false

    private var object: DBusExportedObject?

    init(connection: DBusConnection, path: DBusObjectPath, service: DBusObjectPath, definition: GattLocalCharacteristic)
        throws(DBusError)
    {
        self.path = path
        self.definition = definition
        object = try connection.exportObject(at: path, interfaces: [makeInterface(service: service)])
    }

    /// Sends `value` to every subscribed central: `PropertiesChanged(Value)`, which BlueZ turns into one
    /// notification per central, cut silently to its MTU − 3, so keep `value` within that.
    public func notify(_ value: [UInt8]) throws(BlueZError) {
        self.value = value
        try emit(["Value"])
    }

    /// Marks the acquired write socket released (BlueZ learns of it from the socket's hang-up; this keeps the
    /// property true to what BlueZ may read).
    public func setWriteAcquired(_ acquired: Bool) throws(BlueZError) {
        guard acquired != writeAcquired else { return }
        writeAcquired = acquired
        try emit(["WriteAcquired"])
    }

    public func setNotifyAcquired(_ acquired: Bool) throws(BlueZError) {
        guard acquired != notifyAcquired else { return }
        notifyAcquired = acquired
        try emit(["NotifyAcquired"])
    }

    /// Unexports the object.
    func remove() {
        object?.remove()
        object = nil
    }

    private func emit(_ properties: [String]) throws(BlueZError) {
        guard let object else { return }
        do {
            try object.emitPropertiesChanged(interface: BlueZNames.gattCharacteristic, properties: properties)
        } catch {
            throw BlueZError(error)
        }
    }

    private func makeInterface(service: DBusObjectPath) -> DBusInterface {
        let options = DBusArgument("options", .dictionary(key: .string, value: .variant))
        var methods = [
            DBusMethod("ReadValue", inputs: [options], outputs: [DBusArgument("value", .array(.byte))]) {
                [weak self] call throws(DBusError) in
                guard let self else { throw Self.gone }
                guard let read = definition.read else { throw Self.notSupported("ReadValue") }
                call.reply([.bytes(try read(GattRequestOptions(arguments: call.arguments, at: 0)).get(dbus: ()))])
            },
            DBusMethod("WriteValue", inputs: [DBusArgument("value", .array(.byte)), options]) {
                [weak self] call throws(DBusError) in
                guard let self else { throw Self.gone }
                guard let write = definition.write else { throw Self.notSupported("WriteValue") }
                let value = call.arguments.first?.bytes ?? []
                try write(value, GattRequestOptions(arguments: call.arguments, at: 1)).get(dbus: ())
                call.reply()
            },
            DBusMethod("StartNotify") { [weak self] call throws(DBusError) in
                guard let self else { throw Self.gone }
                if !notifying {
                    notifying = true
                    try? emit(["Notifying"])
                    definition.startNotify?()
                }
                call.reply()
            },
            DBusMethod("StopNotify") { [weak self] call throws(DBusError) in
                guard let self else { throw Self.gone }
                if notifying {
                    notifying = false
                    try? emit(["Notifying"])
                    definition.stopNotify?()
                }
                call.reply()
            },
        ]
        var properties = [
            DBusProperty("UUID", type: .string, changeSignal: .constant) { [uuid = definition.uuid] in .string(uuid.rawValue) },
            DBusProperty("Service", type: .objectPath, changeSignal: .constant) { .objectPath(service) },
            DBusProperty("Flags", type: .array(.string), changeSignal: .constant) { [flags = definition.flags] in .strings(flags) },
            DBusProperty("Value", type: .array(.byte)) { [weak self] in .bytes(self?.value ?? []) },
            DBusProperty("Notifying", type: .boolean) { [weak self] in .boolean(self?.notifying ?? false) },
        ]
        let acquiredOutputs = [DBusArgument("fd", .unixFileDescriptor), DBusArgument("mtu", .uint16)]
        if let acquireWrite = definition.acquireWrite {
            methods.append(DBusMethod("AcquireWrite", inputs: [options], outputs: acquiredOutputs) {
                [weak self] call throws(DBusError) in
                guard let self else { throw Self.gone }
                let socket = try acquireWrite(GattRequestOptions(arguments: call.arguments, at: 0)).get(dbus: ())
                call.reply([.fileDescriptor(socket.fileDescriptor), .uint16(UInt16(clamping: socket.mtu))])
                try? setWriteAcquired(true)
            })
            properties.append(DBusProperty("WriteAcquired", type: .boolean) { [weak self] in
                .boolean(self?.writeAcquired ?? false)
            })
        }
        if let acquireNotify = definition.acquireNotify {
            methods.append(DBusMethod("AcquireNotify", inputs: [options], outputs: acquiredOutputs) {
                [weak self] call throws(DBusError) in
                guard let self else { throw Self.gone }
                let socket = try acquireNotify(GattRequestOptions(arguments: call.arguments, at: 0)).get(dbus: ())
                call.reply([.fileDescriptor(socket.fileDescriptor), .uint16(UInt16(clamping: socket.mtu))])
                try? setNotifyAcquired(true)
            })
            properties.append(DBusProperty("NotifyAcquired", type: .boolean) { [weak self] in
                .boolean(self?.notifyAcquired ?? false)
            })
        }
        return DBusInterface(BlueZNames.gattCharacteristic, methods: methods, properties: properties)
    }

    private static let gone = BlueZError(.failed, "the application is shutting down").dbusError

    private static func notSupported(_ member: String) -> DBusError {
        BlueZError(.notSupported, "\(member) is not supported by this characteristic").dbusError
    }
}

extension Result where Failure == BlueZError {
    /// The success value, or the failure as the D-Bus error reply that carries it to BlueZ.
    fileprivate func get(dbus: Void) throws(DBusError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let error): throw error.dbusError
        }
    }
}
