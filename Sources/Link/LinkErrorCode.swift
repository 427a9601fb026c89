/// The one-byte code of an ERROR message (docs/link-protocol.md, "Error codes"). A struct over the raw byte, not
/// an enum: a code this version does not know still decodes, so a newer card's errors reach the station intact.
public struct LinkErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `01`: the command byte is unknown, or the message is not one the card receives.
    public static let invalidCommand = LinkErrorCode(rawValue: 0x01)
    /// `02`: the body does not fit the command (an APDU under 4 bytes, a non-empty POWER_ON…).
    public static let invalidParameter = LinkErrorCode(rawValue: 0x02)
    /// `03`: a fragment is truncated or oversize, or the message is over the card's limit.
    public static let invalidLength = LinkErrorCode(rawValue: 0x03)
    /// `04`: fragments out of order, duplicated, or a new message before the last one was complete.
    public static let invalidSequence = LinkErrorCode(rawValue: 0x04)
    /// `05`: the rest of a message did not come within the fragment timeout.
    public static let timeout = LinkErrorCode(rawValue: 0x05)
    /// `06`: the card is working on another request; nothing was done, the request may be sent again.
    public static let busy = LinkErrorCode(rawValue: 0x06)
    /// `07`: the request was cancelled before the card answered it.
    public static let cancelled = LinkErrorCode(rawValue: 0x07)
    /// `08`: the station's static key (from handshake message 1) is not among the card's pairings. Sent in the
    /// clear, instead of handshake message 2.
    public static let notPaired = LinkErrorCode(rawValue: 0x08)
    /// `09`: a message other than handshake message 1 came before the secure channel was open. Sent in the clear.
    public static let handshakeRequired = LinkErrorCode(rawValue: 0x09)
    /// `0A`: a handshake or record failed (forged, replayed, reordered, truncated): the channel is closed for the
    /// rest of the connection. Sent in the clear.
    public static let channelFailed = LinkErrorCode(rawValue: 0x0A)
    /// `0B`: a PAIRING message while the card is not in pairing mode. Sent in the clear.
    public static let pairingClosed = LinkErrorCode(rawValue: 0x0B)
    /// `7F`: anything else.
    public static let other = LinkErrorCode(rawValue: 0x7F)

    public var description: String {
        let name: String? =
            switch self {
            case .invalidCommand: "invalid command"
            case .invalidParameter: "invalid parameter"
            case .invalidLength: "invalid length"
            case .invalidSequence: "invalid sequence"
            case .timeout: "timeout"
            case .busy: "busy"
            case .cancelled: "cancelled"
            case .notPaired: "not paired"
            case .handshakeRequired: "handshake required"
            case .channelFailed: "secure channel failed"
            case .pairingClosed: "pairing closed"
            case .other: "other"
            default: nil
            }
        let byte = hexByte(rawValue)
        return name.map { "\($0) (\(byte))" } ?? "unknown error \(byte)"
    }
}
