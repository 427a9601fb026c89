import BusTesting
import EventLoop
import Proximity
import ProximitySimulation
import StationDaemon
import Testing

@Suite struct TraceReplaySourceTests {
    struct Delivery: Equatable {
        var event: ProximityEvent
        var at: Duration
    }

    func replay(_ trace: Trace, until count: Int) throws -> [Delivery] {
        let loop = try EventLoop()
        let source = TraceReplaySource(trace: trace, loop: loop)
        var deliveries: [Delivery] = []
        let start = loop.now()
        try source.start { event, now in deliveries.append(Delivery(event: event, at: now - start)) }
        defer { source.stop() }
        _ = loop.run(until: { deliveries.count >= count }, timeout: .seconds(3))
        return deliveries
    }

    @Test func samplesArriveAtTheirTimesWithTheLinkFromEmptyReadings() throws {
        let trace = try TraceCSV.parse("t,rssi\n0,-50\n0.1,-52\n0.2,\n0.3,\n0.4,-58\n")
        let deliveries = try replay(trace, until: 6)
        #expect(deliveries.map(\.event) == [
            .linkUp, .rssi(dBm: -50, source: .connection), .rssi(dBm: -52, source: .connection), .linkDown,
            .linkUp, .rssi(dBm: -58, source: .connection),
        ])
        let expected: [Duration] = [0, 0, 0.1, 0.2, 0.4, 0.4].map { .milliseconds(Int64($0 * 1000)) }
        for (delivery, time) in zip(deliveries, expected) {
            #expect(delivery.at >= time, "\(delivery.event) came early")
            // A loaded machine may run the loop late, never early.
            #expect(delivery.at < time + .milliseconds(250), "\(delivery.event) came late")
        }
    }
}
