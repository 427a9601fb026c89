/// The command byte of an initial fragment: which message the fragments carry (docs/link-protocol.md,
/// "Messages"). The high bit is always set; it is what tells an initial fragment from a continuation.
///
/// Requests go from the station to the card and each gets exactly one final answer with the same transaction
/// id: its own response or ERROR. CANCEL is the station's only other message; KEEPALIVE is the card's only
/// interim one. `A0`–`AF` are kept for the secure channel (handshake and record) of a later version.
public struct LinkCommand: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Station → card: requests.
    public static let ping = LinkCommand(rawValue: 0x81)
    public static let apdu = LinkCommand(rawValue: 0x82)
    public static let powerOn = LinkCommand(rawValue: 0x83)
    public static let powerOff = LinkCommand(rawValue: 0x84)
    public static let reset = LinkCommand(rawValue: 0x85)
    public static let getCredentialVersion = LinkCommand(rawValue: 0x86)
    // Station → card: not a request, no answer of its own.
    public static let cancel = LinkCommand(rawValue: 0xBE)
    // Card → station: final answers.
    public static let pong = LinkCommand(rawValue: 0x91)
    public static let response = LinkCommand(rawValue: 0x92)
    public static let atr = LinkCommand(rawValue: 0x93)
    public static let poweredOff = LinkCommand(rawValue: 0x94)
    public static let credentialVersion = LinkCommand(rawValue: 0x96)
    public static let error = LinkCommand(rawValue: 0xBF)
    // Card → station: interim.
    public static let keepalive = LinkCommand(rawValue: 0xBB)

    public var description: String {
        let name: String? =
            switch self {
            case .ping: "PING"
            case .apdu: "APDU"
            case .powerOn: "POWER_ON"
            case .powerOff: "POWER_OFF"
            case .reset: "RESET"
            case .getCredentialVersion: "GET_CREDENTIAL_VERSION"
            case .cancel: "CANCEL"
            case .pong: "PONG"
            case .response: "RESPONSE"
            case .atr: "ATR"
            case .poweredOff: "POWERED_OFF"
            case .credentialVersion: "CREDENTIAL_VERSION"
            case .error: "ERROR"
            case .keepalive: "KEEPALIVE"
            default: nil
            }
        let byte = hexByte(rawValue)
        return name.map { "\($0) (\(byte))" } ?? "command \(byte)"
    }
}
