import BusTesting
import DBus
import EventLoop
import PivlinkTesting
import Proximity
import Testing

@testable import StationDaemon

@Suite struct KernelLinkRSSISourceTests {
    // MARK: HCI Read RSSI's bytes (Core 5.4 Vol 4 Part E §7.5.4, §7.7.14 Command Complete, §7.7.15 Command Status)

    @Test func theCommandIsOpcode0x1405WithTheHandleLittleEndian() {
        #expect(HCIReadRSSI.opcode == 0x1405)
        #expect(HCIReadRSSI.command(handle: 0x0040) == [0x01, 0x05, 0x14, 0x02, 0x40, 0x00])
        #expect(HCIReadRSSI.command(handle: 0x0EFF) == [0x01, 0x05, 0x14, 0x02, 0xFF, 0x0E])
        // Handles are 12 bits: the packet-boundary and broadcast flags never go out.
        #expect(HCIReadRSSI.command(handle: 0xF123) == [0x01, 0x05, 0x14, 0x02, 0x23, 0x01])
    }

    /// A Command Complete for Read RSSI: event packet, event 0x0E, length 7, one command allowed, opcode, status,
    /// handle, RSSI.
    private static func complete(status: UInt8 = 0, handle: (UInt8, UInt8) = (0x40, 0x00), rssi: UInt8) -> [UInt8] {
        [0x04, 0x0E, 0x07, 0x01, 0x05, 0x14, status, handle.0, handle.1, rssi]
    }

    @Test func aCompleteAnswerCarriesTheSignedRSSIOfItsHandle() {
        #expect(HCIReadRSSI.reply(Self.complete(rssi: 0xC5)) == .rssi(handle: 0x40, dBm: -59))
        #expect(HCIReadRSSI.reply(Self.complete(rssi: 0x81)) == .rssi(handle: 0x40, dBm: -127))
        #expect(HCIReadRSSI.reply(Self.complete(rssi: 0x14)) == .rssi(handle: 0x40, dBm: 20))
        // btvirt's constant (emulator/btdev.c cmd_read_rssi).
        #expect(HCIReadRSSI.reply(Self.complete(rssi: 0xFF)) == .rssi(handle: 0x40, dBm: -1))
        #expect(HCIReadRSSI.reply(Self.complete(handle: (0x01, 0x0E), rssi: 0xC5)) == .rssi(handle: 0x0E01, dBm: -59))
        #expect(HCIReadRSSI.reply(Self.complete(handle: (0x01, 0xFE), rssi: 0xC5)) == .rssi(handle: 0x0E01, dBm: -59))
    }

    @Test func rssi127IsNoReading() {
        #expect(HCIReadRSSI.reply(Self.complete(rssi: 0x7F)) == .notAvailable(handle: 0x40))
    }

    @Test func aFailedCommandGivesItsStatus() {
        // Unknown Connection Identifier, with the return parameters a controller still sends.
        #expect(HCIReadRSSI.reply(Self.complete(status: 0x02, rssi: 0x00)) == .failed(status: 0x02))
        // A controller may cut the return parameters after a failed status.
        #expect(HCIReadRSSI.reply([0x04, 0x0E, 0x04, 0x01, 0x05, 0x14, 0x0C]) == .failed(status: 0x0C))
        // A controller without Read RSSI (btvirt's LE-only controllers) answers with a Command Status.
        #expect(HCIReadRSSI.reply([0x04, 0x0F, 0x04, 0x01, 0x01, 0x05, 0x14]) == .failed(status: HCIReadRSSI.unknownCommand))
    }

    @Test func otherPacketsAreNoAnswer() {
        // A pending Command Status is no answer yet.
        #expect(HCIReadRSSI.reply([0x04, 0x0F, 0x04, 0x00, 0x01, 0x05, 0x14]) == nil)
        // Command Complete and Command Status of other commands (HCI Reset 0x0C03, Read Transmit Power Level).
        #expect(HCIReadRSSI.reply([0x04, 0x0E, 0x04, 0x01, 0x03, 0x0C, 0x00]) == nil)
        #expect(HCIReadRSSI.reply([0x04, 0x0E, 0x07, 0x01, 0x2D, 0x0C, 0x00, 0x40, 0x00, 0x04]) == nil)
        #expect(HCIReadRSSI.reply([0x04, 0x0F, 0x04, 0x01, 0x01, 0x03, 0x0C]) == nil)
        // Another event (Disconnection Complete), ACL data, nothing.
        #expect(HCIReadRSSI.reply([0x04, 0x05, 0x04, 0x00, 0x40, 0x00, 0x13]) == nil)
        #expect(HCIReadRSSI.reply([0x02, 0x40, 0x20, 0x00, 0x00]) == nil)
        #expect(HCIReadRSSI.reply([]) == nil)
    }

    @Test func everyTruncationAndATrailingByteAreRejected() {
        let reply = Self.complete(rssi: 0xC5)
        for length in 0..<reply.count {
            #expect(HCIReadRSSI.reply(Array(reply[..<length])) == nil, "\(length) bytes")
        }
        #expect(HCIReadRSSI.reply(reply + [0x00]) == nil)
        // A length that claims the truncated parameters, with a success status: no RSSI to read.
        #expect(HCIReadRSSI.reply([0x04, 0x0E, 0x04, 0x01, 0x05, 0x14, 0x00]) == nil)
        #expect(HCIReadRSSI.reply([0x04, 0x0E, 0x06, 0x01, 0x05, 0x14, 0x00, 0x40, 0x00]) == nil)
    }

    @Test func arbitraryBytesNeverTrap() {
        let random = SeededRandom(seed: "KernelLinkRSSISourceTests")
        for _ in 0..<5000 {
            let shape = random.bytes(2)
            let length = Int(shape[0]) % 13
            var packet = random.bytes(length)
            // Half of them well-framed Read RSSI events, so that the parser's inner checks are reached.
            if length >= 3, shape[1] & 1 == 1 {
                packet[0] = 0x04
                packet[2] = UInt8(length - 3)
                if length >= 6 { (packet[4], packet[5]) = (0x05, 0x14) }
            }
            if case .rssi(_, let dBm)? = HCIReadRSSI.reply(packet) {
                #expect(dBm != HCIReadRSSI.notAvailable)
            }
        }
    }

    // MARK: the device's place in the kernel, from its BlueZ path

    @Test func aDevicePathNamesTheAdapterIndexAndTheAddressInKernelOrder() throws {
        let address = try #require(HCIDeviceAddress(device: "/org/bluez/hci1/dev_00_AA_01_00_00_00"))
        #expect(address.adapterIndex == 1)
        #expect(address.bytes == [0x00, 0x00, 0x00, 0x01, 0xAA, 0x00])
        #expect(address.description == "00:AA:01:00:00:00 on hci1")
        let other = try #require(HCIDeviceAddress(device: "/org/bluez/hci12/dev_c0_ff_ee_12_34_5f"))
        #expect(other.adapterIndex == 12)
        #expect(other.bytes == [0x5F, 0x34, 0x12, 0xEE, 0xFF, 0xC0])
    }

    @Test func otherPathsAreNoDevice() {
        for path: DBusObjectPath in [
            "/org/bluez/hci1", "/org/bluez", "/", "/org/bluez/hci/dev_00_AA_01_00_00_00",
            "/org/bluez/hcix/dev_00_AA_01_00_00_00", "/org/bluez/hci65535/dev_00_AA_01_00_00_00",
            "/org/bluez/hci99999/dev_00_AA_01_00_00_00", "/org/bluez/hci1/dev_00_AA_01_00_00",
            "/org/bluez/hci1/dev_00_AA_01_00_00_00_11", "/org/bluez/hci1/dev_00_AA_01_00_00_0G",
            "/org/bluez/hci1/dev_00_AA_01_00_00_000", "/org/bluez/hci1/dev_00_AA_01_00_00_00/service0001",
            "/org/example/hci1/dev_00_AA_01_00_00_00", "/org/bluez/adapter1/dev_00_AA_01_00_00_00",
            "/org/bluez/hci1/device_00_AA_01_00_00_00",
        ] {
            #expect(HCIDeviceAddress(device: path) == nil, "\(path)")
        }
    }

    // MARK: against the BlueZ emulator, on a machine without kernel Bluetooth for the emulator's hci1

    @Test func withoutTheKernelsConnectionItLogsOnceAndFeedsLinkState() throws {
        let bluez = try EmulatedBlueZ()
        var lines: [String] = []
        let source = KernelLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop) {
            lines.append($0)
        }
        var events: [ProximityEvent] = []
        try source.start { event, now in
            #expect(now <= MonotonicInstant.now())
            events.append(event)
        }
        defer { source.stop() }
        try bluez.connectToCard()
        try bluez.expect("the link up and the line about the RSSI") { events == [.linkUp] && !lines.isEmpty }
        #expect(lines.count == 1)
        #expect(lines.first?.contains("connected-link RSSI of \(EmulatedBlueZ.cardDevice) is unavailable") == true)

        // The emulator's own LinkRSSI feed is not the kernel's: no sample from it. Nothing comes for a reading's
        // time either.
        try bluez.control("SetLinkRSSI", [.int16(-60)])
        #expect(!bluez.loop.run(until: { events.count > 1 }, timeout: KernelLinkRSSISource.interval * 3))

        try bluez.wait("Disconnect") { try bluez.cardDevice.disconnect(reply: $0) }
        try bluez.expect("the link down") { events.count == 2 }
        try bluez.wait("Connect") { try bluez.cardDevice.connect(reply: $0) }
        try bluez.expect("the link up again") { events.count == 3 }
        #expect(events == [.linkUp, .linkDown, .linkUp])
        #expect(lines.count == 1)

        // A new start says it again, once.
        source.stop()
        events = []
        try source.start { event, _ in events.append(event) }
        try bluez.expect("the link up, from Device1's current state") { events == [.linkUp] && lines.count == 2 }
        #expect(lines[1] == lines[0])
    }

    @Test func stoppedItDeliversAndLogsNothing() throws {
        let bluez = try EmulatedBlueZ()
        var lines: [String] = []
        let source = KernelLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop) {
            lines.append($0)
        }
        var events: [ProximityEvent] = []
        try source.start { event, _ in events.append(event) }
        source.stop()
        var witnessed: [ProximityEvent] = []
        let witness = KernelLinkRSSISource(client: bluez.station, device: EmulatedBlueZ.cardDevice, loop: bluez.loop) { _ in }
        try witness.start { event, _ in witnessed.append(event) }
        defer { witness.stop() }
        try bluez.connectToCard()
        try bluez.expect("the witness's link up") { witnessed == [.linkUp] }
        #expect(events.isEmpty)
        #expect(lines.isEmpty)
    }
}
