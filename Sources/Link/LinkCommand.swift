/// The command byte of an initial fragment: which message the fragments carry (docs/link-protocol.md,
/// "Messages"). The high bit is always set; it is what tells an initial fragment from a continuation.
///
/// Requests go from the station to the card and each gets exactly one final answer with the same transaction
/// id: its own response or ERROR. CANCEL is the station's only other message; KEEPALIVE is the card's only
/// interim one. `A0`–`AF` belong to the secure channel (docs/link-protocol.md, "Secure channel"): its two
/// handshake messages and the records that carry every other message once it is open.
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
    public static let unpair = LinkCommand(rawValue: 0x87)
    // Station → card: not a request, no answer of its own.
    public static let cancel = LinkCommand(rawValue: 0xBE)
    // Card → station: final answers.
    public static let pong = LinkCommand(rawValue: 0x91)
    public static let response = LinkCommand(rawValue: 0x92)
    public static let atr = LinkCommand(rawValue: 0x93)
    public static let poweredOff = LinkCommand(rawValue: 0x94)
    public static let credentialVersion = LinkCommand(rawValue: 0x96)
    public static let unpaired = LinkCommand(rawValue: 0x97)
    public static let error = LinkCommand(rawValue: 0xBF)
    // Card → station: interim.
    public static let keepalive = LinkCommand(rawValue: 0xBB)
    // The secure channel: Noise IK message 1 (station → card), message 2 (card → station), and a record (either
    // way) whose plaintext is one of the messages above.
    public static let handshakeInitiation = LinkCommand(rawValue: 0xA0)
    public static let handshakeResponse = LinkCommand(rawValue: 0xA1)
    public static let record = LinkCommand(rawValue: 0xA2)
    /// One message of the pairing ceremony (docs/pairing-protocol.md), either way, in the clear, on a connection
    /// that runs no handshake.
    public static let pairing = LinkCommand(rawValue: 0xA8)

    public var description: String {
        let name: String? =
            switch self {
            case .ping: "PING"
            case .apdu: "APDU"
            case .powerOn: "POWER_ON"
            case .powerOff: "POWER_OFF"
            case .reset: "RESET"
            case .getCredentialVersion: "GET_CREDENTIAL_VERSION"
            case .unpair: "UNPAIR"
            case .unpaired: "UNPAIRED"
            case .cancel: "CANCEL"
            case .pong: "PONG"
            case .response: "RESPONSE"
            case .atr: "ATR"
            case .poweredOff: "POWERED_OFF"
            case .credentialVersion: "CREDENTIAL_VERSION"
            case .error: "ERROR"
            case .keepalive: "KEEPALIVE"
            case .handshakeInitiation: "HANDSHAKE_INITIATION"
            case .handshakeResponse: "HANDSHAKE_RESPONSE"
            case .record: "RECORD"
            case .pairing: "PAIRING"
            default: nil
            }
        let byte = hexByte(rawValue)
        return name.map { "\($0) (\(byte))" } ?? "command \(byte)"
    }
}
