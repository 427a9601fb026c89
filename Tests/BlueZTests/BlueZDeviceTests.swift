import BlueZ
import DBus
import Testing

@Suite(.serialized) struct BlueZDeviceTests {
    @Test func discoveryFindsTheAdvertisedServiceAndConnectResolvesIt() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        let device = try #require(mirror.tree.device(at: EmulatorFixture.peripheralDevice))
        #expect(device.connected)
        #expect(device.address == "00:AA:01:00:00:00")
        #expect(device.adapter == EmulatorFixture.centralAdapter)
        #expect(device.uuids.contains(TestPeripheral.service))
        #expect(mirror.tree.devices(adapter: EmulatorFixture.centralAdapter).map(\.path) == [EmulatorFixture.peripheralDevice])
        #expect(mirror.tree.devices(adapter: EmulatorFixture.peripheralAdapter).map(\.path) == [EmulatorFixture.centralDevice])
        let properties = try fixture.wait("GetAll") { try fixture.peripheralDevice.properties(reply: $0) }
        #expect(properties.connected && properties.servicesResolved)
    }

    @Test func disconnectIsSeenAndASecondDisconnectFailsNotConnected() throws {
        let fixture = try EmulatorFixture()
        try TestPeripheral(fixture).register()
        let mirror = try fixture.loadedMirror()
        try fixture.connectToPeripheral(mirror)
        var changes: [Bool] = []
        let watch = try fixture.peripheralDevice.watchProperties { change in
            if let connected = change.changed["Connected"]?.boolean {
                changes.append(connected)
            }
        }
        try fixture.wait("Disconnect") { try fixture.peripheralDevice.disconnect(reply: $0) }
        try fixture.expect("Connected=false") { changes == [false] }
        #expect(mirror.tree.device(at: EmulatorFixture.peripheralDevice)?.connected == false)
        let again = try fixture.outcome("Disconnect") { try fixture.peripheralDevice.disconnect(reply: $0) }
        #expect(again.failure?.code == .notConnected)
        watch.cancel()
    }

    @Test func anInjectedConnectErrorArrivesTyped() throws {
        let fixture = try EmulatorFixture()
        try TestPeripheral(fixture).register()
        let mirror = try fixture.loadedMirror()
        try fixture.discoverPeripheral(mirror)
        try fixture.control("InjectError", [.string("Connect"), .string("org.bluez.Error.InProgress"), .string("busy"), .uint32(1)])
        let result = try fixture.outcome("Connect") { try fixture.peripheralDevice.connect(reply: $0) }
        #expect(result.failure?.code == .inProgress)
        #expect(result.failure?.name == "org.bluez.Error.InProgress")
        #expect(result.failure?.detail == "busy")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
