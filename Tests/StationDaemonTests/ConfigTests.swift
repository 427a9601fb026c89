import StationDaemon
import Testing

/// station.conf's top level: the settings that are gone with pairing, and the defaults of an empty file.
struct ConfigTests {
    @Test func theDeviceAddressIsRefusedWithWhatToDoInstead() {
        StationConfigText.expectRefused("device: AA:BB:CC:DD:EE:FF\n", saying: "'device' is gone")
        StationConfigText.expectRefused("device: AA:BB:CC:DD:EE:FF\n", saying: "`pivlink pair`")
    }

    @Test func anEmptyFileKeepsEveryDefault() throws {
        let config = try Config(yaml: "# nothing set\n")
        #expect(config.adapter == "hci0")
        #expect(config.vpcdPort == 36123)
    }
}
