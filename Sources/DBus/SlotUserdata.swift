import CSystemd

/// The Swift side of an sd-bus slot: the callbacks a C trampoline hands messages to.
///
/// The slot owns it: `attach(to:)` makes the slot's destroy callback release the reference passed as
/// userdata, so the callbacks live exactly as long as the slot, whoever drops the slot last (a
/// registration token, or sd-bus itself for a floating slot such as a pending call).
final class SlotUserdata {
    let handleMessage: (DBusMessage) -> Void
    let handleInstallReply: ((DBusMessage) -> Void)?

    init(handleMessage: @escaping (DBusMessage) -> Void, handleInstallReply: ((DBusMessage) -> Void)? = nil) {
        self.handleMessage = handleMessage
        self.handleInstallReply = handleInstallReply
    }

    /// A +1 reference to pass as userdata; `attach(to:)` or `releaseUnattached(_:)` must follow.
    func retainedPointer() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }

    /// Hands the +1 reference in `userdata` to `slot`, which releases it when it is freed.
    static func attach(to slot: OpaquePointer) {
        sd_bus_slot_set_destroy_callback(slot) { userdata in
            guard let userdata else { return }
            Unmanaged<SlotUserdata>.fromOpaque(userdata).release()
        }
    }

    /// Drops the +1 reference when no slot was made.
    static func releaseUnattached(_ userdata: UnsafeMutableRawPointer) {
        Unmanaged<SlotUserdata>.fromOpaque(userdata).release()
    }

    /// For matches, calls and name requests: returning 0 lets other matches see the same message.
    static let messageCallback: sd_bus_message_handler_t = { message, userdata, _ in
        guard let message, let userdata else { return 0 }
        let callbacks = Unmanaged<SlotUserdata>.fromOpaque(userdata).takeUnretainedValue()
        callbacks.handleMessage(DBusMessage(retaining: message))
        return 0
    }

    /// For the reply to a match's AddMatch call. Returning 0 keeps sd-bus from closing the connection
    /// when the bus refused the match.
    static let installCallback: sd_bus_message_handler_t = { message, userdata, _ in
        guard let message, let userdata else { return 0 }
        let callbacks = Unmanaged<SlotUserdata>.fromOpaque(userdata).takeUnretainedValue()
        callbacks.handleInstallReply?(DBusMessage(retaining: message))
        return 0
    }
}
