#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on `CLOCK_MONOTONIC`, in microseconds: the clock and the unit sd-event uses for its timers,
/// so a deadline converts to an sd-event timer and back without rounding.
///
/// This type, not `ContinuousClock.Instant`, is the time type of the event loop and of the card sessions
/// it drives: `ContinuousClock` counts on `CLOCK_BOOTTIME` and offers no exact conversion to a raw clock
/// reading, and tests of pure cores need instants they can write down (`MonotonicInstant(microseconds: 0)`).
///
/// Arithmetic saturates at 0 and `UInt64.max` instead of trapping, and a `Duration` is truncated toward zero
/// to whole microseconds.
public struct MonotonicInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    /// Microseconds on `CLOCK_MONOTONIC` (time since boot, not counting suspend).
    public let microseconds: UInt64

    public init(microseconds: UInt64) {
        self.microseconds = microseconds
    }

    /// Reads `CLOCK_MONOTONIC` directly. Inside a loop callback, prefer `EventLoop.now()`, which is the time
    /// the current loop iteration woke up and so the same for every callback of that iteration.
    public static func now() -> MonotonicInstant {
        var spec = timespec()
        // CLOCK_MONOTONIC with a valid pointer cannot fail (clock_gettime(2): EINVAL/EFAULT only).
        _ = clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(
            microseconds: UInt64(spec.tv_sec) &* 1_000_000 &+ UInt64(spec.tv_nsec) / 1_000
        )
    }

    public func advanced(by duration: Duration) -> MonotonicInstant {
        let delta = Self.microseconds(of: duration)
        if delta >= 0 {
            let (sum, overflow) = microseconds.addingReportingOverflow(UInt64(delta))
            return MonotonicInstant(microseconds: overflow ? .max : sum)
        }
        let magnitude = delta.magnitude
        return MonotonicInstant(microseconds: microseconds > magnitude ? microseconds - magnitude : 0)
    }

    public func duration(to other: MonotonicInstant) -> Duration {
        if other.microseconds >= microseconds {
            return Self.duration(microseconds: other.microseconds - microseconds)
        }
        return .zero - Self.duration(microseconds: microseconds - other.microseconds)
    }

    public static func + (lhs: MonotonicInstant, rhs: Duration) -> MonotonicInstant {
        lhs.advanced(by: rhs)
    }

    public static func - (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Duration {
        rhs.duration(to: lhs)
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.microseconds < rhs.microseconds
    }

    public var description: String {
        "\(microseconds / 1_000_000).\(String(microseconds % 1_000_000).leftPadded(to: 6))s"
    }

    /// Whole microseconds in `duration`, truncated toward zero, saturating at the `Int64` range.
    static func microseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow {
            return seconds < 0 ? .min : .max
        }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000)
        if sumOverflow {
            return seconds < 0 ? .min : .max
        }
        return sum
    }

    private static func duration(microseconds: UInt64) -> Duration {
        .seconds(Int64(microseconds / 1_000_000)) + .microseconds(Int64(microseconds % 1_000_000))
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
