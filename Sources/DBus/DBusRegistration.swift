import CSystemd

/// Keeps something registered on a connection (a signal match, an object manager) for as long as it
/// lives; `cancel()` or releasing it unregisters.
public final class DBusRegistration {
    private var slot: OpaquePointer?

    init(slot: OpaquePointer) {
        self.slot = slot
    }

    deinit {
        cancel()
    }

    /// True until `cancel()`.
    public var isActive: Bool { slot != nil }

    /// Unregisters now; safe to call more than once and from the registration's own handler.
    public func cancel() {
        guard let slot else { return }
        sd_bus_slot_unref(slot)
        self.slot = nil
    }
}
