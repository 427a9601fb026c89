import BlueZ
import DBus
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct BlueZObjectMirrorTests {
    @Test func itLoadsTheAdaptersAndFollowsDiscovery() throws {
        let fixture = try EmulatorFixture()
        try TestPeripheral(fixture).register()
        var added: [DBusObjectPath] = []
        let mirror = try fixture.loadedMirror { event in
            if case .interfacesAdded(let signal) = event {
                added.append(signal.object)
            }
        }
        #expect(mirror.tree.adapters.map(\.path) == [EmulatorFixture.peripheralAdapter, EmulatorFixture.centralAdapter])
        try fixture.discoverPeripheral(mirror)
        #expect(added.contains(EmulatorFixture.peripheralDevice))
        #expect(mirror.tree.adapter(at: EmulatorFixture.centralAdapter)?.discovering == true)
    }

    @Test func aBlueZRestartEmptiesAndReloadsTheTree() throws {
        let fixture = try EmulatorFixture()
        var events: [String] = []
        let mirror = try fixture.loadedMirror { event in
            switch event {
            case .loaded: events.append("loaded")
            case .serviceLost: events.append("lost")
            case .loadFailed: events.append("failed")
            case .interfacesAdded, .interfacesRemoved, .propertiesChanged: break
            }
        }
        #expect(events == ["loaded"])
        fixture.stopBlueZ(signal: SIGKILL)
        try fixture.expect("the loss") { events.last == "lost" }
        #expect(mirror.tree.objects.isEmpty)
        #expect(!mirror.isLoaded)
        try fixture.startBlueZ()
        try fixture.expect("the reload") { events.last == "loaded" }
        #expect(mirror.tree.adapters.count == 2)
    }
}
