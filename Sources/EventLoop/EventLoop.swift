import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A single-threaded event loop over libsystemd's sd-event: IO sources, one-shot `CLOCK_MONOTONIC` timers,
/// termination signals and the systemd watchdog.
///
/// Threading: sd-event is not thread-safe, and neither is this type. `EventLoop`, `IOSource` and
/// `TimerSource` are deliberately not `Sendable`, so the Swift 6 checker keeps them in the isolation domain
/// that created them; create the loop on the thread that will `run()` it (the main thread in the daemons)
/// and touch it and its sources only from there, which is where every handler runs. The C callbacks reach
/// Swift through a raw userdata pointer to the source object, which crosses no thread.
///
/// Other libsystemd objects attach to the same loop through `event` (e.g. `sd_bus_attach_event`).
public final class EventLoop {
    /// The sd-event loop, for attaching other libsystemd objects.
    public let event: OpaquePointer
    /// True when the loop pings systemd's watchdog (`WatchdogSec=` set for the service).
    public let isWatchdogEnabled: Bool

    private var signalSources: [OpaquePointer] = []
    private var signalHandler: ((Int32) -> Void)?

    /// Creates a loop and turns on the systemd watchdog ping if the service manager asked for one
    /// (`WATCHDOG_USEC`); outside systemd that is a no-op.
    public init() throws(EventLoopError) {
        var event: OpaquePointer?
        let result = sd_event_new(&event)
        guard result >= 0, let event else {
            throw EventLoopError(.createFailed, "creating the event loop", result: result)
        }
        let watchdog = sd_event_set_watchdog(event, 1)
        guard watchdog >= 0 else {
            sd_event_unref(event)
            throw EventLoopError(.createFailed, "enabling the systemd watchdog", result: watchdog)
        }
        self.event = event
        isWatchdogEnabled = watchdog > 0
    }

    deinit {
        for source in signalSources {
            sd_event_source_disable_unref(source)
        }
        sd_event_unref(event)
    }

    /// The time the current loop iteration woke up (before the loop runs: the current time). Every handler
    /// of one iteration sees the same instant.
    public func now() -> MonotonicInstant {
        Self.now(of: event)
    }

    /// Watches `fileDescriptor` for `events`; see `IOSource`.
    public func addIO(
        fileDescriptor: Int32,
        events: IOEvents,
        handler: @escaping (IOEvents) -> Void
    ) throws(EventLoopError) -> IOSource {
        try IOSource(event: event, fileDescriptor: fileDescriptor, events: events, handler: handler)
    }

    /// A disarmed one-shot timer; see `TimerSource`. `accuracy` is how late sd-event may fire it so that it
    /// can wake up once for several timers (sd-event's own default is 250 ms).
    public func makeTimer(
        accuracy: Duration = .milliseconds(1),
        handler: @escaping () -> Void
    ) throws(EventLoopError) -> TimerSource {
        try TimerSource(event: event, accuracy: accuracy, handler: handler)
    }

    /// Blocks SIGTERM and SIGINT in the calling thread, so that threads started afterwards (Foundation starts
    /// some, e.g. to run a child process) inherit the mask and the signals wait for the loop's signalfd instead
    /// of killing the process. Call it first thing in a daemon's entry point.
    public static func blockTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// Handles SIGTERM and SIGINT on the loop: `handler` gets the signal number and typically closes
    /// connections and calls `exit(_:)`. Call once.
    ///
    /// The signals are blocked in the calling thread and read through a signalfd. Call this before the
    /// process starts other threads (they inherit the mask); a thread that does not block the signals could
    /// take one and die of it.
    public func onTerminationSignal(_ handler: @escaping (Int32) -> Void) throws(EventLoopError) {
        signalHandler = handler
        for signal in [SIGTERM, SIGINT] {
            var source: OpaquePointer?
            // The userdata is this loop, unretained: deinit frees the signal sources first.
            let result = sd_event_add_signal(
                event, &source, signal | SD_EVENT_SIGNAL_PROCMASK,
                { _, info, userdata in
                    guard let userdata, let info else { return 0 }
                    let loop = Unmanaged<EventLoop>.fromOpaque(userdata).takeUnretainedValue()
                    loop.signalHandler?(Int32(bitPattern: info.pointee.ssi_signo))
                    return 0
                },
                Unmanaged.passUnretained(self).toOpaque()
            )
            guard result >= 0, let source else {
                throw EventLoopError(.addSourceFailed, "handling signal \(signal)", result: result)
            }
            signalSources.append(source)
        }
    }

    /// Runs until `exit(_:)` and returns the code given to it. Throws if the loop itself fails.
    public func run() throws(EventLoopError) -> Int32 {
        let result = sd_event_loop(event)
        guard result >= 0 else {
            throw EventLoopError(.loopFailed, "running the event loop", result: result)
        }
        return result
    }

    /// Makes `run()` return `code` (0 or more) once the current iteration is done.
    public func exit(_ code: Int32) {
        precondition(code >= 0, "exit codes are not negative: run() reports failures as errors")
        // sd_event_exit fails only when the loop already finished, when there is nothing left to stop.
        _ = sd_event_exit(event, code)
    }

    static func now(of event: OpaquePointer) -> MonotonicInstant {
        var microseconds: UInt64 = 0
        guard sd_event_now(event, CLOCK_MONOTONIC, &microseconds) >= 0 else {
            return MonotonicInstant.now()
        }
        return MonotonicInstant(microseconds: microseconds)
    }
}
