import BlueZ
import DBus
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct BlueZClientTests {
    @Test func withoutBlueZThereIsNoOwnerAndCallsFailServiceUnknown() throws {
        let fixture = try EmulatorFixture(startEmulator: false)
        #expect(try fixture.wait("GetNameOwner") { try fixture.station.currentOwner(reply: $0) } == nil)
        let result = try fixture.outcome("StartDiscovery") { try fixture.centralAdapter.startDiscovery(reply: $0) }
        #expect(result.failure?.code == .serviceUnknown)
    }

    @Test func theOwnerWatchSeesBlueZComeAndGo() throws {
        let fixture = try EmulatorFixture(startEmulator: false)
        var changes: [DBusNameOwnerChange] = []
        var installed: Result<Void, BlueZError>?
        let watch = try fixture.station.watchOwner(installed: { installed = $0 }) { changes.append($0) }
        try fixture.expect("the match") { installed != nil }
        try fixture.startBlueZ()
        try fixture.expect("the name to appear") { changes.count == 1 }
        #expect(changes.first?.oldOwner == nil)
        let owner = try #require(changes.first?.newOwner)
        #expect(try fixture.wait("GetNameOwner") { try fixture.station.currentOwner(reply: $0) } == owner)
        fixture.stopBlueZ(signal: SIGTERM)
        try fixture.expect("the name to vanish") { changes.count == 2 }
        #expect(changes.last?.oldOwner == owner)
        #expect(changes.last?.newOwner == nil)
        watch.cancel()
    }

    @Test func setPropertyAndGetAllRoundTrip() throws {
        let fixture = try EmulatorFixture()
        try fixture.wait("Set Powered") { try fixture.centralAdapter.setPowered(false, reply: $0) }
        #expect(try fixture.wait("GetAll") { try fixture.centralAdapter.properties(reply: $0) }.powered == false)
        try fixture.wait("Set Powered") { try fixture.centralAdapter.setPowered(true, reply: $0) }
        let adapter = try fixture.wait("GetAll") { try fixture.centralAdapter.properties(reply: $0) }
        #expect(adapter.powered)
        #expect(adapter.address == "00:AA:01:01:00:01")
    }
}
