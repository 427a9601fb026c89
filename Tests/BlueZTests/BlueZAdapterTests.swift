import BlueZ
import DBus
import Testing

@Suite(.serialized) struct BlueZAdapterTests {
    @Test func adapterNamesBecomePaths() throws {
        let fixture = try EmulatorFixture(startEmulator: false)
        #expect(try BlueZAdapter(client: fixture.station, name: "hci1").path == EmulatorFixture.centralAdapter)
        #expect(throws: BlueZError.self) { try BlueZAdapter(client: fixture.station, name: "hci0/dev") }
        #expect(throws: BlueZError.self) { try BlueZAdapter(client: fixture.station, name: "") }
    }

    @Test func discoveryErrorsArriveTyped() throws {
        let fixture = try EmulatorFixture()
        let adapter = fixture.centralAdapter
        let stop = try fixture.outcome("StopDiscovery") { try adapter.stopDiscovery(reply: $0) }
        #expect(stop.failure?.code == .failed)
        let both = try fixture.outcome("SetDiscoveryFilter") {
            try adapter.setDiscoveryFilter(BlueZDiscoveryFilter(rssi: -70, pathloss: 20), reply: $0)
        }
        #expect(both.failure?.code == .invalidArguments)
        try fixture.wait("StartDiscovery") { try adapter.startDiscovery(reply: $0) }
        let twice = try fixture.outcome("StartDiscovery") { try adapter.startDiscovery(reply: $0) }
        #expect(twice.failure?.code == .inProgress)
        try fixture.wait("StopDiscovery") { try adapter.stopDiscovery(reply: $0) }
    }

    @Test func removeDeviceForgetsIt() throws {
        let fixture = try EmulatorFixture()
        try TestPeripheral(fixture).register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        // Stopped first: the emulator, still discovering, would meet the device's advertisement again while it
        // removes the device, and fail.
        try fixture.wait("StopDiscovery") { try fixture.centralAdapter.stopDiscovery(reply: $0) }
        try fixture.wait("RemoveDevice") { try fixture.centralAdapter.removeDevice(EmulatorFixture.peripheralDevice, reply: $0) }
        try fixture.expect("the device to go") { mirror.tree.device(at: EmulatorFixture.peripheralDevice) == nil }
        let again = try fixture.outcome("RemoveDevice") {
            try fixture.centralAdapter.removeDevice(EmulatorFixture.peripheralDevice, reply: $0)
        }
        #expect(again.failure?.code == .doesNotExist)
    }
}
