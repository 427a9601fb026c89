import CSystemd
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

/// A connection to a message bus, driven by an `EventLoop`: every reply, signal and method call is
/// handled on the loop, in the thread that runs it.
///
/// Threading: like `EventLoop`, this type is not `Sendable`; create and use it on the loop's thread.
/// Handlers and replies run from `EventLoop.run()`. They should capture their owners weakly or unowned,
/// because the owners usually hold the registrations that hold the handlers.
///
/// Lifetime: releasing the connection (or `close()`) flushes what is queued and closes it; tokens that
/// outlive it (`DBusRegistration`, `DBusExportedObject`) then do nothing. sd-bus also flushes and closes
/// the connection when the loop exits (`EventLoop.exit(_:)`).
public final class DBusConnection {
    /// Which bus to connect to.
    public enum Bus: Sendable {
        /// The system bus: `$DBUS_SYSTEM_BUS_ADDRESS`, else `/run/dbus/system_bus_socket`.
        case system
        /// The user's session bus: `$DBUS_SESSION_BUS_ADDRESS`, else `$XDG_RUNTIME_DIR/bus`.
        case session
        /// A bus at a D-Bus address such as `unix:path=/run/private/bus`.
        case address(String)
    }

    /// sd-bus's default when a caller gives none, and the D-Bus reference implementation's.
    public static let defaultTimeout = Duration.seconds(25)

    /// Runs once when the connection to the bus is lost (the bus went away or broke the connection),
    /// not when this side closes it.
    public var onDisconnect: (() -> Void)?

    let bus: OpaquePointer
    private var disconnectMatch: DBusRegistration?

    public init(_ bus: Bus, loop: EventLoop) throws(DBusError) {
        self.bus = try Self.open(bus)
        let attached = sd_bus_attach_event(self.bus, loop.event, 0)
        guard attached >= 0 else {
            sd_bus_flush_close_unref(self.bus)
            throw DBusError(.failed, "attaching the bus connection to the event loop", result: attached)
        }
        // sd-bus turns a lost connection into this local signal; the rule never reaches the bus.
        let rule = DBusMatchRule(
            sender: DBusMessage.localSender, path: "/org/freedesktop/DBus/Local",
            interface: "org.freedesktop.DBus.Local", member: "Disconnected"
        )
        disconnectMatch = try match(rule) { [weak self] _ in
            self?.onDisconnect?()
        }
    }

    deinit {
        disconnectMatch?.cancel()
        sd_bus_flush_close_unref(bus)
    }

    private static func open(_ bus: Bus) throws(DBusError) -> OpaquePointer {
        var pointer: OpaquePointer?
        switch bus {
        case .system:
            let result = sd_bus_open_system(&pointer)
            guard result >= 0, let pointer else {
                throw DBusError(.connectFailed, "connecting to the system bus", result: result)
            }
            return pointer
        case .session:
            let result = sd_bus_open_user(&pointer)
            guard result >= 0, let pointer else {
                throw DBusError(.connectFailed, "connecting to the session bus", result: result)
            }
            return pointer
        case .address(let address):
            var result = sd_bus_new(&pointer)
            guard result >= 0, let pointer else {
                throw DBusError(.failed, "creating a bus connection", result: result)
            }
            result = sd_bus_set_address(pointer, address)
            if result >= 0 {
                // A bus client says Hello and gets a unique name; without it this is a peer-to-peer link.
                result = sd_bus_set_bus_client(pointer, 1)
            }
            if result >= 0 {
                result = sd_bus_start(pointer)
            }
            guard result >= 0 else {
                sd_bus_flush_close_unref(pointer)
                throw DBusError(.connectFailed, "connecting to the bus at '\(address)'", result: result)
            }
            return pointer
        }
    }

    /// True until the connection is closed or lost.
    public var isOpen: Bool { sd_bus_is_open(bus) > 0 }

    /// Flushes what is queued and closes the connection; releasing it does the same.
    public func close() {
        sd_bus_flush(bus)
        sd_bus_close(bus)
    }

    /// This connection's unique name on the bus (`:1.42`). Waits for the bus's answer to Hello the first
    /// time, if it has not been processed yet.
    public func uniqueName() throws(DBusError) -> String {
        var name: UnsafePointer<CChar>?
        let result = sd_bus_get_unique_name(bus, &name)
        guard result >= 0, let name else {
            throw DBusError(sdBusResult: result, "getting the connection's unique name")
        }
        return String(cString: name)
    }

    // MARK: calls

    /// Calls a method; `reply` runs once on the loop with the reply's values or its error (an error reply,
    /// `.timedOut` after `timeout`, or `.disconnected`). It does not run if this side closes the
    /// connection first. Throws, without calling `reply`, when the call cannot be sent.
    public func call(
        destination: String?,
        path: DBusObjectPath,
        interface: String?,
        member: String,
        arguments: [DBusValue] = [],
        timeout: Duration = DBusConnection.defaultTimeout,
        reply: @escaping (Result<[DBusValue], DBusError>) -> Void
    ) throws(DBusError) {
        let message = try newMethodCall(destination, path, interface, member, arguments)
        // Taken before sd-bus starts its own clock, so a reply timed out by sd-bus is past it.
        let deadline = MonotonicInstant.now() + timeout
        let callbacks = SlotUserdata { replyMessage in
            reply(Self.result(of: replyMessage, deadline: deadline))
        }
        let userdata = callbacks.retainedPointer()
        var slot: OpaquePointer?
        let result = sd_bus_call_async(
            bus, &slot, message.pointer, SlotUserdata.messageCallback, userdata, Self.microseconds(timeout)
        )
        guard result >= 0, let slot else {
            SlotUserdata.releaseUnattached(userdata)
            throw DBusError(sdBusResult: result, "calling \(interface ?? "").\(member) on \(path)")
        }
        SlotUserdata.attach(to: slot)
        // Floating: sd-bus owns the slot and frees it (and the callbacks) after the reply.
        sd_bus_slot_set_floating(slot, 1)
        sd_bus_slot_unref(slot)
    }

    /// Calls a method and blocks until the reply comes, for command-line tools. Nothing else on the loop
    /// runs meanwhile, so never call a peer served by the same loop this way.
    public func callAndWait(
        destination: String?,
        path: DBusObjectPath,
        interface: String?,
        member: String,
        arguments: [DBusValue] = [],
        timeout: Duration = DBusConnection.defaultTimeout
    ) throws(DBusError) -> [DBusValue] {
        let message = try newMethodCall(destination, path, interface, member, arguments)
        var error = sd_bus_error()
        defer { sd_bus_error_free(&error) }
        var replyPointer: OpaquePointer?
        let result = sd_bus_call(bus, message.pointer, Self.microseconds(timeout), &error, &replyPointer)
        guard result >= 0, let replyPointer else {
            let what = "calling \(interface ?? "").\(member) on \(path)"
            switch -result {
            case ETIMEDOUT:
                throw DBusError(.timedOut, what, result: result)
            case ENOTCONN, ECONNRESET:
                throw DBusError(.disconnected, what, result: result)
            default:
                guard sd_bus_error_is_set(&error) > 0, let name = error.name else {
                    throw DBusError(sdBusResult: result, what)
                }
                throw DBusError(name: String(cString: name), message: error.message.map { String(cString: $0) } ?? "")
            }
        }
        let reply = DBusMessage(adopting: replyPointer)
        return try reply.readAll()
    }

    private func newMethodCall(
        _ destination: String?, _ path: DBusObjectPath, _ interface: String?, _ member: String,
        _ arguments: [DBusValue]
    ) throws(DBusError) -> DBusMessage {
        var pointer: OpaquePointer?
        let result = sd_bus_message_new_method_call(bus, &pointer, destination, path.rawValue, interface, member)
        guard result >= 0, let pointer else {
            throw DBusError(
                sdBusResult: result,
                "making a call to \(destination ?? "(no destination)") \(path) \(interface ?? "").\(member)"
            )
        }
        let message = DBusMessage(adopting: pointer)
        try message.append(arguments)
        return message
    }

    /// sd-bus ends a call that got no reply with a `NoReply` error of its own making: after the timeout,
    /// or when the connection is lost. (The bus sends the same name when the callee leaves.)
    private static func result(of message: DBusMessage, deadline: MonotonicInstant) -> Result<[DBusValue], DBusError> {
        if let error = message.replyError() {
            guard error.name == DBusError.noReplyName else { return .failure(error) }
            if sd_bus_is_open(sd_bus_message_get_bus(message.pointer)) <= 0 {
                return .failure(DBusError(.disconnected, name: error.name, message: error.message))
            }
            if MonotonicInstant.now() >= deadline {
                return .failure(DBusError(.timedOut, name: error.name, message: error.message))
            }
            return .failure(error)
        }
        do {
            return .success(try message.readAll())
        } catch {
            return .failure(error)
        }
    }

    /// sd-bus counts in microseconds and reads 0 as "the default"; round anything shorter up to 1 µs.
    private static func microseconds(_ duration: Duration) -> UInt64 {
        let microseconds = MonotonicInstant(microseconds: 0).advanced(by: duration).microseconds
        return max(1, microseconds)
    }

    // MARK: signals

    /// Sends a signal from the object at `path`; to everyone listening, or only to `destination`.
    public func emitSignal(
        path: DBusObjectPath,
        interface: String,
        member: String,
        arguments: [DBusValue] = [],
        destination: String? = nil
    ) throws(DBusError) {
        try Self.emitSignal(
            on: bus, path: path, interface: interface, member: member, arguments: arguments, destination: destination
        )
    }

    static func emitSignal(
        on bus: OpaquePointer, path: DBusObjectPath, interface: String, member: String, arguments: [DBusValue],
        destination: String?
    ) throws(DBusError) {
        var pointer: OpaquePointer?
        let what = "emitting \(interface).\(member) from \(path)"
        let created = sd_bus_message_new_signal(bus, &pointer, path.rawValue, interface, member)
        guard created >= 0, let pointer else {
            throw DBusError(sdBusResult: created, what)
        }
        let message = DBusMessage(adopting: pointer)
        try message.append(arguments)
        if let destination {
            try DBusMessage.check(sd_bus_message_set_destination(pointer, destination), what)
        }
        try DBusMessage.check(sd_bus_send(bus, pointer, nil), what)
    }

    /// Receives the signals `rule` selects until the registration is released. The bus learns of the rule
    /// asynchronously: `installed` runs once it has accepted it (or with its error); a call made on this
    /// connection after `match` returns reaches the bus after the rule does.
    public func match(
        _ rule: DBusMatchRule,
        installed: ((Result<Void, DBusError>) -> Void)? = nil,
        handler: @escaping (DBusSignal) -> Void
    ) throws(DBusError) -> DBusRegistration {
        guard rule.arguments.keys.allSatisfy(DBusMatchRule.argumentRange.contains) else {
            throw DBusError(.invalidArguments, "match rules test arguments 0 to 63 only: \(rule)")
        }
        let callbacks = SlotUserdata(
            handleMessage: { message in
                // A signal that does not parse (it cannot, once sd-bus accepted it) is not delivered.
                if let signal = DBusSignal(message) {
                    handler(signal)
                }
            },
            handleInstallReply: { message in
                guard let installed else { return }
                if let error = message.replyError() {
                    installed(.failure(error))
                } else {
                    installed(.success(()))
                }
            }
        )
        let userdata = callbacks.retainedPointer()
        var slot: OpaquePointer?
        let result = sd_bus_add_match_async(
            bus, &slot, rule.description, SlotUserdata.messageCallback, SlotUserdata.installCallback, userdata
        )
        guard result >= 0, let slot else {
            SlotUserdata.releaseUnattached(userdata)
            throw DBusError(sdBusResult: result, "adding the match \(rule)")
        }
        SlotUserdata.attach(to: slot)
        return DBusRegistration(slot: slot)
    }

    // MARK: names

    /// Asks the bus for a well-known name; `reply` runs on the loop with the outcome.
    public func requestName(
        _ name: String,
        flags: DBusNameFlags = [],
        reply: @escaping (Result<DBusNameRequestResult, DBusError>) -> Void
    ) throws(DBusError) {
        try callBus(member: "RequestName", arguments: [.string(name), .uint32(flags.rawValue)]) { result in
            reply(
                result.flatMap { values in
                    guard let code = values.first?.uint32, values.count == 1,
                        let outcome = DBusNameRequestResult(rawValue: code)
                    else {
                        return .failure(DBusError(.typeMismatch, "RequestName answered \(values)"))
                    }
                    return .success(outcome)
                }
            )
        }
    }

    /// Gives up a well-known name (or our place in its queue); `reply` gets false when we held neither.
    public func releaseName(_ name: String, reply: @escaping (Result<Bool, DBusError>) -> Void) throws(DBusError) {
        // ReleaseName answers 1 released, 2 no such name, 3 not the owner.
        try callBus(member: "ReleaseName", arguments: [.string(name)]) { result in
            reply(
                result.flatMap { values in
                    guard let code = values.first?.uint32, values.count == 1, (1...3).contains(code) else {
                        return .failure(DBusError(.typeMismatch, "ReleaseName answered \(values)"))
                    }
                    return .success(code == 1)
                }
            )
        }
    }

    static let busName = "org.freedesktop.DBus"
    static let busPath: DBusObjectPath = "/org/freedesktop/DBus"

    private func callBus(
        member: String, arguments: [DBusValue], reply: @escaping (Result<[DBusValue], DBusError>) -> Void
    ) throws(DBusError) {
        try call(
            destination: Self.busName, path: Self.busPath, interface: Self.busName, member: member,
            arguments: arguments, reply: reply
        )
    }
}
