import BusTesting
import DBus
import Proximity
import Testing

@testable import StationDaemon

@Suite struct AdvertisementRSSISourceTests {
    @Test func advertisementsHeardWhileDiscoveringAreSamples() throws {
        let bluez = try EmulatedBlueZ()
        try bluez.discoverCard()
        let source = AdvertisementRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var events: [ProximityEvent] = []
        try source.start { event, _ in events.append(event) }
        defer { source.stop() }
        try bluez.control("SetAdvertisementRSSI", [.int16(-72)])
        try bluez.expect("the sample") { !events.isEmpty }
        try bluez.control("SetAdvertisementRSSI", [.int16(-66)])
        try bluez.expect("the second sample") { events.count == 2 }
        #expect(events == [-72, -66].map { .rssi(dBm: $0, source: .advertisement) })
    }

    @Test func theFirstReportComesWithTheDevice() throws {
        let bluez = try EmulatedBlueZ()
        try bluez.control("SetAdvertisementRSSI", [.int16(-63)])
        let source = AdvertisementRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var events: [ProximityEvent] = []
        try source.start { event, _ in events.append(event) }
        defer { source.stop() }
        try bluez.discoverCard()
        try bluez.expect("the sample") { !events.isEmpty }
        #expect(events.first == .rssi(dBm: -63, source: .advertisement))
    }

    @Test func discoveryStoppingIsNoSample() throws {
        let bluez = try EmulatedBlueZ()
        try bluez.discoverCard()
        let source = AdvertisementRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop)
        var events: [ProximityEvent] = []
        try source.start { event, _ in events.append(event) }
        defer { source.stop() }
        var invalidated = false
        let watch = try bluez.cardDevice.watchProperties { change in
            invalidated = invalidated || change.invalidated.contains("RSSI")
        }
        defer { watch.cancel() }
        try bluez.control("SetAdvertisementRSSI", [.int16(-80)])
        try bluez.expect("the sample") { !events.isEmpty }
        try bluez.wait("StopDiscovery") { try bluez.stationAdapter.stopDiscovery(reply: $0) }
        try bluez.expect("RSSI invalidated") { invalidated }
        #expect(events == [.rssi(dBm: -80, source: .advertisement)])
    }

    @Test func rssi127IsNoReadingAndOtherPropertiesAreNoSample() {
        #expect(AdvertisementRSSISource.sample(["RSSI": .int16(127)]) == nil)
        #expect(AdvertisementRSSISource.sample(["Connected": .boolean(true)]) == nil)
        #expect(AdvertisementRSSISource.sample(["RSSI": .int16(-127)]) == .rssi(dBm: -127, source: .advertisement))
    }
}
