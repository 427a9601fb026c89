import BlueZ
import DBus
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct LEAdvertisementTests {
    @Test func theCentralSeesTheServiceAndNameAndBlueZReleasesItAtShutdown() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let mirror = try fixture.loadedMirror()
        try fixture.discoverPeripheral(mirror)
        try fixture.expect("the scan response") { mirror.tree.device(at: EmulatorFixture.peripheralDevice)?.name == "tester" }
        let device = try #require(mirror.tree.device(at: EmulatorFixture.peripheralDevice))
        #expect(device.uuids == [TestPeripheral.service])
        #expect(device.rssi != nil)
        fixture.stopBlueZ(signal: SIGTERM)
        try fixture.expect("Release") { peripheral.released }
    }

    @Test func registeringTwiceIsAlreadyExists() throws {
        let fixture = try EmulatorFixture()
        let peripheral = try TestPeripheral(fixture)
        try peripheral.register()
        let again = try fixture.outcome("RegisterAdvertisement") {
            try peripheral.adapter.registerAdvertisement(TestPeripheral.advertisementPath, reply: $0)
        }
        #expect(again.failure?.code == .alreadyExists)
        try fixture.wait("UnregisterAdvertisement") {
            try peripheral.adapter.unregisterAdvertisement(TestPeripheral.advertisementPath, reply: $0)
        }
    }
}
