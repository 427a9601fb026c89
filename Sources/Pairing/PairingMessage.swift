/// One message of the pairing ceremony, byte for byte as docs/pairing-protocol.md defines it: a version byte
/// (1), a type byte, then a body of the type's fixed length.
public enum PairingMessage: Hashable, Sendable {
    /// Station → card, first: the station's static public key.
    case start(stationKey: [UInt8])
    /// Card → station: the card's static public key and its commitment C.
    case commit(cardKey: [UInt8], commitment: [UInt8])
    /// Station → card: the station's nonce Ni, sent only once C is in hand.
    case stationNonce([UInt8])
    /// Card → station: the card's nonce Nr, revealed only once Ni is in hand.
    case cardNonce([UInt8])
    /// Either way: this side's user confirmed the code; the HMAC proves the static key and the transcript.
    case confirm(mac: [UInt8])
    /// Either way: the ceremony is over, for this reason.
    case abort(PairingAbortReason)

    public static let version: UInt8 = 1

    /// The type byte of each message (docs/pairing-protocol.md).
    public enum MessageType: UInt8, Sendable {
        case start = 0x01
        case commit = 0x02
        case stationNonce = 0x03
        case cardNonce = 0x04
        case confirm = 0x05
        case abort = 0x06

        var bodyLength: Int {
            switch self {
            case .start, .stationNonce, .cardNonce, .confirm: 32
            case .commit: 64
            case .abort: 1
            }
        }
    }

    /// The message's bytes. The fields must have their fixed lengths (this side's own values always do).
    public var encoded: [UInt8] {
        let body: [UInt8] = switch self {
        case .start(let key): key
        case .commit(let key, let commitment): key + commitment
        case .stationNonce(let nonce), .cardNonce(let nonce): nonce
        case .confirm(let mac): mac
        case .abort(let reason): [reason.rawValue]
        }
        precondition(body.count == type.bodyLength, "a \(type) body has \(type.bodyLength) bytes, got \(body.count)")
        return [Self.version, type.rawValue] + body
    }

    /// Parses a message, refusing any other version, unknown types, any length but the type's, and abort
    /// reasons this version does not define. Keys are checked later, by the ceremony.
    public init(decoding bytes: [UInt8]) throws(PairingError) {
        guard bytes.count >= 2 else {
            throw PairingError(.invalidLength, "a pairing message has at least 2 bytes, got \(bytes.count)")
        }
        guard bytes[0] == Self.version else {
            throw PairingError(.unsupportedVersion, "pairing protocol version \(bytes[0]) is not supported (this side speaks 1); update the older side")
        }
        guard let type = MessageType(rawValue: bytes[1]) else {
            throw PairingError(.unknownMessage, "pairing message type \(bytes[1]) is not defined")
        }
        let body = Array(bytes[2...])
        guard body.count == type.bodyLength else {
            throw PairingError(.invalidLength, "a \(type) message has a \(type.bodyLength)-byte body, got \(body.count)")
        }
        switch type {
        case .start: self = .start(stationKey: body)
        case .commit: self = .commit(cardKey: Array(body[..<32]), commitment: Array(body[32...]))
        case .stationNonce: self = .stationNonce(body)
        case .cardNonce: self = .cardNonce(body)
        case .confirm: self = .confirm(mac: body)
        case .abort:
            guard let reason = PairingAbortReason(rawValue: body[0]) else {
                throw PairingError(.invalidField, "abort reason \(body[0]) is not defined")
            }
            self = .abort(reason)
        }
    }

    public var type: MessageType {
        switch self {
        case .start: .start
        case .commit: .commit
        case .stationNonce: .stationNonce
        case .cardNonce: .cardNonce
        case .confirm: .confirm
        case .abort: .abort
        }
    }
}
