import BusTesting
import DBus
import EventLoop
import Proximity
import StationDaemon
import Testing

@Suite struct EmulatedLinkRSSISourceTests {
    @Test func theLinksRSSIFeedAndItsStateArriveInOrder() throws {
        let bluez = try EmulatedBlueZ()
        let source = EmulatedLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var events: [ProximityEvent] = []
        try source.start { event, now in
            #expect(now <= MonotonicInstant.now())
            events.append(event)
        }
        defer { source.stop() }
        try bluez.connectToCard()
        try bluez.expect("the link up") { events.contains(.linkUp) }
        // The link starts with the emulator's current LinkRSSI (−55 dBm by default) before the services resolve.
        #expect(events == [.rssi(dBm: -55, source: .connection), .linkUp])

        events = []
        for rssi: Int16 in [-60, -70, -70] {
            try bluez.control("SetLinkRSSI", [.int16(rssi)])
        }
        try bluez.expect("three samples") { events.count == 3 }
        #expect(events == [-60, -70, -70].map { .rssi(dBm: $0, source: .connection) })

        events = []
        try bluez.wait("Disconnect") { try bluez.cardDevice.disconnect(reply: $0) }
        try bluez.expect("the link down") { events.contains(.linkDown) }
        #expect(events == [.linkDown])
    }

    @Test func aLinkAlreadyUpIsReportedAtStart() throws {
        let bluez = try EmulatedBlueZ()
        try bluez.connectToCard()
        let deadline = MonotonicInstant.now() + .seconds(5)
        while try !bluez.wait("Device1.GetAll", { try bluez.cardDevice.properties(reply: $0) }).servicesResolved {
            guard MonotonicInstant.now() < deadline else { throw ChildProcess.Failure(description: "ServicesResolved did not come") }
            _ = bluez.loop.run(until: { false }, timeout: .milliseconds(20))
        }

        let source = EmulatedLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var events: [ProximityEvent] = []
        try source.start { event, _ in events.append(event) }
        defer { source.stop() }
        try bluez.expect("the link up") { !events.isEmpty }
        #expect(events == [.linkUp])
    }

    @Test func stoppedItDeliversNothing() throws {
        let bluez = try EmulatedBlueZ()
        let source = EmulatedLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var events: [ProximityEvent] = []
        try source.start { event, _ in events.append(event) }
        source.stop()
        let witness = EmulatedLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var witnessed: [ProximityEvent] = []
        try witness.start { event, _ in witnessed.append(event) }
        defer { witness.stop() }
        try bluez.connectToCard()
        try bluez.control("SetLinkRSSI", [.int16(-64)])
        try bluez.expect("the witness's sample") { witnessed.contains(.rssi(dBm: -64, source: .connection)) }
        #expect(events.isEmpty)
    }
}
