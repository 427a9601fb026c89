import EventLoop
import Proximity
import ProximitySimulation

/// A recorded trace (`TraceCSV`: `t,rssi`) played on the loop's clock: each sample at its time after `start`, as
/// `EngineReplay` feeds the engine — a connected trace's empty sample is `.linkDown`, a reading after one (or the
/// first reading) is `.linkUp` then `.rssi`. Drives the station from a recording instead of a radio. When the
/// last sample has played the source is done (no further events).
public final class TraceReplaySource: PresenceSignalSource {
    private let trace: Trace
    private let loop: EventLoop
    private var timer: TimerSource?
    private var handler: ((ProximityEvent, MonotonicInstant) -> Void)?
    private var startedAt = MonotonicInstant(microseconds: 0)
    private var next = 0
    /// nil until the first sample: then a connected trace's first sample says whether the link is up.
    private var isLinkUp: Bool?

    public init(trace: Trace, loop: EventLoop) {
        self.trace = trace
        self.loop = loop
    }

    /// Plays the trace from its start, its time 0 being now.
    public func start(_ handler: @escaping (ProximityEvent, MonotonicInstant) -> Void) throws(StationDaemonError) {
        stop()
        do {
            timer = try loop.makeTimer { [unowned self] in play() }
        } catch {
            throw StationDaemonError(.eventLoopFailed, "cannot replay the trace: \(error.detail)")
        }
        self.handler = handler
        startedAt = loop.now()
        next = 0
        isLinkUp = nil
        armForNext()
    }

    public func stop() {
        timer?.cancel()
        timer = nil
        handler = nil
    }

    private func time(of sample: Trace.Sample) -> MonotonicInstant {
        startedAt + .microseconds(Int64((max(0, sample.time) * 1e6).rounded()))
    }

    private func armForNext() {
        guard next < trace.samples.count, let timer else { return }
        do {
            try timer.arm(at: time(of: trace.samples[next]))
        } catch {
            // Arming an existing timer only fails if the loop is gone; then nothing is left to deliver to.
            stop()
        }
    }

    /// Delivers every sample due by now, in order, then waits for the next.
    private func play() {
        let now = loop.now()
        while next < trace.samples.count, time(of: trace.samples[next]) <= now, let handler {
            for event in events(for: trace.samples[next]) {
                handler(event, now)
            }
            next += 1
        }
        armForNext()
    }

    private func events(for sample: Trace.Sample) -> [ProximityEvent] {
        switch (trace.source, sample.rssi) {
        case (.connection, nil):
            defer { isLinkUp = false }
            return isLinkUp == false ? [] : [.linkDown]
        case (.connection, let rssi?):
            defer { isLinkUp = true }
            return (isLinkUp == true ? [] : [.linkUp]) + [.rssi(dBm: rssi, source: .connection)]
        case (.advertisement, let rssi?):
            return [.rssi(dBm: rssi, source: .advertisement)]
        case (.advertisement, nil):
            return []
        }
    }
}
