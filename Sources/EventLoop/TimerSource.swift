import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A one-shot timer on `CLOCK_MONOTONIC`, created disarmed by `EventLoop.makeTimer(accuracy:handler:)`.
///
/// Arm it for a deadline; it fires once, after which it is disarmed and may be armed again (also from its
/// own handler). Arming an armed timer moves its deadline. The timer lives as long as this object; the
/// handler should capture its owner weakly or unowned, since the owner usually holds the timer.
public final class TimerSource {
    /// The deadline the timer is armed for, or nil while disarmed.
    public private(set) var deadline: MonotonicInstant?

    private let event: OpaquePointer
    private var source: OpaquePointer?
    private let handler: () -> Void

    init(event: OpaquePointer, accuracy: Duration, handler: @escaping () -> Void) throws(EventLoopError) {
        self.event = event
        self.handler = handler
        var source: OpaquePointer?
        // Created for "never" (UINT64_MAX) and switched off; `arm` sets the time and enables it ONESHOT.
        // The userdata is this object, unretained: deinit frees the C source first.
        let result = sd_event_add_time(
            event, &source, CLOCK_MONOTONIC, .max,
            UInt64(max(1, MonotonicInstant.microseconds(of: accuracy))),
            { _, _, userdata in
                guard let userdata else { return 0 }
                let timer = Unmanaged<TimerSource>.fromOpaque(userdata).takeUnretainedValue()
                timer.deadline = nil
                timer.handler()
                return 0
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        guard result >= 0, let source else {
            throw EventLoopError(.addSourceFailed, "creating a timer", result: result)
        }
        self.source = source
        cancel()
    }

    deinit {
        if let source {
            sd_event_source_disable_unref(source)
        }
    }

    /// Fires once at `deadline` (at once, on the next loop iteration, if it has passed).
    public func arm(at deadline: MonotonicInstant) throws(EventLoopError) {
        guard let source else { return }
        var result = sd_event_source_set_time(source, deadline.microseconds)
        if result >= 0 {
            result = sd_event_source_set_enabled(source, Int32(SD_EVENT_ONESHOT))
        }
        guard result >= 0 else {
            throw EventLoopError(.updateSourceFailed, "arming a timer for \(deadline)", result: result)
        }
        self.deadline = deadline
    }

    /// Fires once, `delay` after the loop's current time (`EventLoop.now()`).
    public func arm(after delay: Duration) throws(EventLoopError) {
        try arm(at: EventLoop.now(of: event).advanced(by: delay))
    }

    /// Disarms the timer; it will not fire until armed again.
    public func cancel() {
        guard let source else { return }
        // Switching a timer off touches only sd-event's in-memory queues; it cannot fail on a live source.
        _ = sd_event_source_set_enabled(source, Int32(SD_EVENT_OFF))
        deadline = nil
    }
}
