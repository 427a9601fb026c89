import CSystemd

/// One call of an exported method, to be answered once with `reply(_:)` or `fail(_:)`.
///
/// A handler may answer later: it keeps this object (which holds the message) and answers from another
/// callback on the loop. Dropping it unanswered sends the caller an error, so no caller waits for its
/// timeout because of a forgotten reply. For a call whose caller asked for no reply, answering does nothing.
public final class DBusMethodCall {
    public let arguments: [DBusValue]
    /// The caller's unique name.
    public let sender: String?
    public let path: DBusObjectPath
    public let interface: String
    public let member: String
    /// True once answered (or given up on by dropping).
    public private(set) var isAnswered = false

    private let message: DBusMessage
    private let outputTypes: [DBusType]

    init(message: DBusMessage, arguments: [DBusValue], path: DBusObjectPath, interface: String, member: String,
         outputTypes: [DBusType]) {
        self.message = message
        self.arguments = arguments
        self.sender = message.sender
        self.path = path
        self.interface = interface
        self.member = member
        self.outputTypes = outputTypes
    }

    deinit {
        fail(DBusError(.failed, "\(interface).\(member) on \(path) ended without a reply"))
    }

    /// Answers with `values`, which must match the method's declared outputs; otherwise the caller gets
    /// an `org.freedesktop.DBus.Error.Failed` error instead. Only the first answer counts.
    public func reply(_ values: [DBusValue] = []) {
        guard !isAnswered else { return }
        guard values.map(\.type) == outputTypes else {
            let declared = DBusType.signature(of: outputTypes)
            let given = DBusType.signature(of: values.map(\.type))
            fail(DBusError(.failed, "\(interface).\(member) answered '\(given)' instead of '\(declared)'"))
            return
        }
        guard message.expectsReply else {
            isAnswered = true
            return
        }
        var pointer: OpaquePointer?
        let created = sd_bus_message_new_method_return(message.pointer, &pointer)
        guard created >= 0, let pointer else {
            fail(DBusError(sdBusResult: created, "replying to \(interface).\(member)"))
            return
        }
        let reply = DBusMessage(adopting: pointer)
        do {
            try reply.append(values)
        } catch {
            fail(error)
            return
        }
        isAnswered = true
        // A failed send means the connection is gone, and with it the caller's wait.
        _ = sd_bus_send(nil, reply.pointer, nil)
    }

    /// Runs a handler that answers nothing and replies, or throws its failure as `busError` makes it a D-Bus error
    /// (the method's error reply): the one wrapping a daemon's bus methods share.
    public func answer<Failure: Error>(
        _ body: () throws(Failure) -> Void, failingAs busError: (Failure) -> DBusError
    ) throws(DBusError) {
        do throws(Failure) {
            try body()
        } catch {
            throw busError(error)
        }
        reply()
    }

    /// Answers with an error reply. Only the first answer counts.
    public func fail(_ error: DBusError) {
        guard !isAnswered else { return }
        isAnswered = true
        var sdBusError = sd_bus_error()
        defer { sd_bus_error_free(&sdBusError) }
        _ = error.store(in: &sdBusError)
        // As for reply(): a failed send means the caller is gone.
        _ = sd_bus_reply_method_error(message.pointer, &sdBusError)
    }
}
