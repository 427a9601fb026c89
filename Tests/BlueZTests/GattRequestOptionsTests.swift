import BlueZ
import DBus
import Testing

@Suite struct GattRequestOptionsTests {
    @Test func blueZsOptionsAreRead() {
        let options = GattRequestOptions([
            "device": .objectPath("/org/bluez/hci0/dev_00_AA_01_01_00_01"), "link": .string("LE"), "mtu": .uint16(185),
            "offset": .uint16(4),
        ])
        #expect(options == GattRequestOptions(device: "/org/bluez/hci0/dev_00_AA_01_01_00_01", mtu: 185, offset: 4, link: "LE"))
    }

    @Test func missingOrMistypedOptionsReadAsAbsent() {
        let options = GattRequestOptions(["mtu": .uint32(185), "device": .string("/org/bluez/hci0/dev_1")])
        #expect(options == GattRequestOptions())
    }
}
