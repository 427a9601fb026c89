import DBus

/// A remote characteristic, `…/dev_…/serviceXXXX/charYYYY` (doc/gatt-api.txt), for the central.
///
/// BlueZ serves one operation at a time per characteristic: a second concurrent write fails `.inProgress`,
/// so callers serialize. The objects stay exported after a disconnect; calls then fail `.failed`
/// ("Not connected").
public struct BlueZGattCharacteristic {
    /// How a value is written (`WriteValue`'s `type` option).
    public enum WriteType: String, Hashable, Sendable {
        /// Write Command (write without response): no ATT acknowledgement; the reply comes once BlueZ queued it.
        case command
        /// Write Request: the reply comes with the peripheral's answer.
        case request
        /// Reliable (prepared) write.
        case reliable
    }

    public let client: BlueZClient
    public let path: DBusObjectPath

    public init(client: BlueZClient, path: DBusObjectPath) {
        self.client = client
        self.path = path
    }

    public func properties(
        reply: @escaping (Result<BlueZGattCharacteristicProperties, BlueZError>) -> Void
    ) throws(BlueZError) {
        let path = path
        try client.properties(of: path, interface: BlueZNames.gattCharacteristic) { result in
            reply(result.map { BlueZGattCharacteristicProperties(path: path, properties: $0) })
        }
    }

    /// `ReadValue`: the value from `offset` (BlueZ reads a long value whole).
    public func readValue(offset: UInt16 = 0, reply: @escaping (Result<[UInt8], BlueZError>) -> Void) throws(BlueZError) {
        let options: [String: DBusValue] = offset == 0 ? [:] : ["offset": .uint16(offset)]
        try call("ReadValue", [.variantDictionary(options)]) { result in
            reply(
                result.flatMap { values in
                    guard values.count == 1, let bytes = values[0].bytes else {
                        return .failure(BlueZError(.unexpectedReply, "ReadValue answered \(values.map(\.type))"))
                    }
                    return .success(bytes)
                })
        }
    }

    /// `WriteValue` with an explicit type (BlueZ's default without one picks by flags and length).
    /// Errors: `.inProgress` (another write pending), `.invalidArguments` ("Invalid Length" over 512 bytes),
    /// `.notPermitted` (an AcquireWrite socket is held, or the peripheral refused), `.failed` ("Not connected",
    /// or an ATT error code the peripheral answered).
    public func writeValue(
        _ value: [UInt8], type: WriteType, offset: UInt16 = 0, reply: @escaping (Result<Void, BlueZError>) -> Void
    ) throws(BlueZError) {
        var options: [String: DBusValue] = ["type": .string(type.rawValue)]
        if offset != 0 {
            options["offset"] = .uint16(offset)
        }
        try call("WriteValue", [.bytes(value), .variantDictionary(options)]) { result in
            reply(result.map { _ in () })
        }
    }

    /// `StartNotify`: from now on each notification updates `Value` and arrives as PropertiesChanged
    /// (`watchValue`). Install that watch first, so no notification is missed.
    public func startNotify(reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try call("StartNotify", []) { reply($0.map { _ in () }) }
    }

    public func stopNotify(reply: @escaping (Result<Void, BlueZError>) -> Void) throws(BlueZError) {
        try call("StopNotify", []) { reply($0.map { _ in () }) }
    }

    /// `AcquireWrite`: a socket where each datagram written is one Write Command; needs the
    /// `write-without-response` flag. It hangs up when the link drops or the peripheral goes away.
    public func acquireWrite(reply: @escaping (Result<BlueZAcquiredSocket, BlueZError>) -> Void) throws(BlueZError) {
        try acquire("AcquireWrite", reply)
    }

    /// `AcquireNotify`: a socket where each datagram read is one notification; exclusive with StartNotify
    /// (`.inProgress`, `.notPermitted`). It hangs up when the link drops.
    public func acquireNotify(reply: @escaping (Result<BlueZAcquiredSocket, BlueZError>) -> Void) throws(BlueZError) {
        try acquire("AcquireNotify", reply)
    }

    /// The values notified (PropertiesChanged of `Value`) until the registration goes.
    public func watchValue(
        installed: ((Result<Void, BlueZError>) -> Void)? = nil,
        handler: @escaping ([UInt8]) -> Void
    ) throws(BlueZError) -> DBusRegistration {
        try client.watchProperties(at: path, interface: BlueZNames.gattCharacteristic, installed: installed) { change in
            if let value = change.changed["Value"]?.bytes {
                handler(value)
            }
        }
    }

    private func acquire(
        _ member: String, _ reply: @escaping (Result<BlueZAcquiredSocket, BlueZError>) -> Void
    ) throws(BlueZError) {
        try call(member, [.variantDictionary([:])]) { result in
            reply(result.flatMap { values in Result { () throws(BlueZError) in try BlueZAcquiredSocket(reply: values, member: member) } })
        }
    }

    private func call(
        _ member: String, _ arguments: [DBusValue], _ reply: @escaping (Result<[DBusValue], BlueZError>) -> Void
    ) throws(BlueZError) {
        try client.call(path: path, interface: BlueZNames.gattCharacteristic, member: member, arguments: arguments, reply: reply)
    }
}
