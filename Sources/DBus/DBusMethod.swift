/// A method of an exported interface.
///
/// The handler gets each call after sd-bus has checked its arguments against `inputs`. It answers with
/// `DBusMethodCall.reply(_:)` or `fail(_:)`, now or later from another callback (keep the call object
/// until then); throwing is the same as `fail`.
public struct DBusMethod {
    public let name: String
    public let inputs: [DBusArgument]
    public let outputs: [DBusArgument]
    public let handler: (DBusMethodCall) throws(DBusError) -> Void

    public init(
        _ name: String,
        inputs: [DBusArgument] = [],
        outputs: [DBusArgument] = [],
        handler: @escaping (DBusMethodCall) throws(DBusError) -> Void
    ) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.handler = handler
    }
}
