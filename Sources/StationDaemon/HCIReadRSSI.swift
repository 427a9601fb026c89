/// HCI Read RSSI (Core 5.4 Vol 4 Part E §7.5.4, OGF 0x05 Status Parameters, OCF 0x0005) as the bytes of a raw HCI
/// socket: the command packet to write and the controller's answer to read. Pure.
///
/// On an LE connection the RSSI is absolute, in dBm (−127…20), with 127 meaning the controller cannot give one;
/// on BR/EDR it would be relative to the golden receive power range, which is why the station only asks about the
/// LE connection.
enum HCIReadRSSI {
    /// OGF 0x05 in the top 6 bits, OCF 0x0005 in the low 10.
    static let opcode: UInt16 = 0x05 << 10 | 0x0005
    /// The RSSI an LE controller reports when it has none.
    static let notAvailable: Int8 = 127

    /// What the controller answered to a Read RSSI.
    enum Reply: Hashable, Sendable {
        /// The connection `handle`'s RSSI in dBm.
        case rssi(handle: UInt16, dBm: Int8)
        /// The controller has no RSSI for `handle` (127).
        case notAvailable(handle: UInt16)
        /// The command failed with the controller's error code (Core Vol 1 Part F), e.g. 0x01 Unknown HCI Command
        /// (the controller has no Read RSSI) or 0x02 Unknown Connection Identifier (the connection is gone).
        case failed(status: UInt8)
    }

    static let unknownCommand: UInt8 = 0x01
    static let unknownConnection: UInt8 = 0x02

    private static let commandPacket: UInt8 = 0x01
    private static let eventPacket: UInt8 = 0x04
    private static let commandComplete: UInt8 = 0x0E
    private static let commandStatus: UInt8 = 0x0F

    /// The command packet for connection `handle`: packet type, opcode and parameter length, then the handle, all
    /// little-endian. Handles are 12 bits; the upper bits are masked off.
    static func command(handle: UInt16) -> [UInt8] {
        let handle = handle & 0x0FFF
        return [commandPacket, UInt8(opcode & 0xFF), UInt8(opcode >> 8), 2, UInt8(handle & 0xFF), UInt8(handle >> 8)]
    }

    /// The answer to a Read RSSI in `packet` (one read from the socket: packet type, event code, parameter length,
    /// parameters), or nil when `packet` is anything else or malformed: a Command Complete or Command Status for
    /// another opcode, a truncated event, a length that disagrees with the bytes.
    static func reply(_ packet: [UInt8]) -> Reply? {
        guard packet.count >= 3, packet[0] == eventPacket, Int(packet[2]) == packet.count - 3 else { return nil }
        let parameters = packet[3...]
        func opcode(at offset: Int) -> UInt16? {
            let index = parameters.startIndex + offset
            guard parameters.count >= offset + 2 else { return nil }
            return UInt16(parameters[index]) | UInt16(parameters[index + 1]) << 8
        }
        switch packet[1] {
        case commandComplete:
            // Number of HCI command packets, opcode, then the return parameters: status, handle, RSSI.
            guard opcode(at: 1) == Self.opcode, parameters.count >= 4 else { return nil }
            let status = parameters[parameters.startIndex + 3]
            guard status == 0 else { return .failed(status: status) }
            guard parameters.count == 7 else { return nil }
            let handle = (UInt16(parameters[parameters.startIndex + 4]) | UInt16(parameters[parameters.startIndex + 5]) << 8) & 0x0FFF
            let rssi = Int8(bitPattern: parameters[parameters.startIndex + 6])
            return rssi == notAvailable ? .notAvailable(handle: handle) : .rssi(handle: handle, dBm: rssi)
        case commandStatus:
            // Status, number of HCI command packets, opcode. A controller that does not know a command answers
            // with a Command Status; a zero status (pending) is no answer for a command that completes.
            guard parameters.count == 4, opcode(at: 2) == Self.opcode else { return nil }
            let status = parameters[parameters.startIndex]
            return status == 0 ? nil : .failed(status: status)
        default:
            return nil
        }
    }
}
