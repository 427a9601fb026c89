/// One message from vpcd to the card: a 1-byte payload is a control code, anything longer is a C-APDU
/// (vsmartcard `vpcd.h`, `VPCD_CTRL_*`).
public enum VPCDMessage: Hashable, Sendable {
    /// `00`: power off. No reply.
    case powerOff
    /// `01`: power on. No reply.
    case powerOn
    /// `02`: reset (warm reset; vpcd has no separate cold reset). No reply.
    case reset
    /// `04`: get ATR. The reply is the ATR.
    case getATR
    /// A 1-byte payload vpcd does not define. vsmartcard's own vicc logs it and sends nothing; so do we,
    /// since vpcd would not wait for a reply to a code it never sends.
    case unknownControl(UInt8)
    /// A command APDU (2 bytes or more). The reply is the R-APDU.
    case apdu([UInt8])

    /// Classifies a payload that is not empty (the decoder rejects empty ones before this).
    init(nonEmptyPayload payload: [UInt8]) {
        guard payload.count == 1 else {
            self = .apdu(payload)
            return
        }
        switch payload[0] {
        case 0x00: self = .powerOff
        case 0x01: self = .powerOn
        case 0x02: self = .reset
        case 0x04: self = .getATR
        default: self = .unknownControl(payload[0])
        }
    }

    /// The payload that carries this message: what vpcd sends for it.
    public var payload: [UInt8] {
        switch self {
        case .powerOff: [0x00]
        case .powerOn: [0x01]
        case .reset: [0x02]
        case .getATR: [0x04]
        case .unknownControl(let code): [code]
        case .apdu(let command): command
        }
    }
}
