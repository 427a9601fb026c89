/// One message of the link protocol, typed (docs/link-protocol.md, "Messages"). On the wire it is a command byte
/// and a body, carried by a `LinkFrame`; `init(command:body:)` reads one, `frame(transaction:)` writes one, and
/// both apply the same checks.
public enum LinkMessage: Hashable, Sendable {
    // Station → card: requests.
    /// Any bytes; the card answers PONG with the same bytes.
    case ping([UInt8])
    /// A command APDU, 4 bytes or more; the card answers RESPONSE.
    case apdu([UInt8])
    /// Power the card on; the card answers ATR. Empty body.
    case powerOn
    /// Power the card off (its session state is gone); the card answers POWERED_OFF. Empty body.
    case powerOff
    /// Warm reset; the card answers ATR. Empty body.
    case reset
    /// Ask for the credential version; the card answers CREDENTIAL_VERSION. Empty body.
    case getCredentialVersion
    /// Forget this station: the card removes the pairing of the station the secure channel authenticated and
    /// answers UNPAIRED. Empty body.
    case unpair
    /// Station → card, carrying the transaction id of the request to cancel; no answer of its own. Empty body.
    case cancel

    // Card → station.
    /// The PING's bytes, echoed.
    case pong([UInt8])
    /// The response APDU, 2 bytes or more (data ‖ SW1 SW2).
    case response([UInt8])
    /// The card's ATR, 2 to 33 bytes (what vpcd can carry).
    case atr([UInt8])
    /// The card is off. Empty body.
    case poweredOff
    /// A number that changes whenever the card's public objects change (`CardState.version`), 8 bytes big-endian.
    /// A cache of the card's answers keys on it.
    case credentialVersion(UInt64)
    /// The card removed this station's pairing; the connection ends after it. Empty body.
    case unpaired
    /// The final answer to a request the card could not carry out; 1 byte.
    case error(LinkErrorCode)
    /// The card is still working on the request; 1 byte. Sent at least every 500 ms until the final answer.
    case keepalive(LinkKeepaliveStatus)

    /// The shortest command APDU: CLA INS P1 P2.
    public static let minimumAPDULength = 4
    /// A response APDU holds at least SW1 SW2.
    public static let minimumResponseLength = 2
    /// ATR lengths vpcd accepts (TS and T0 at least; pcsc-lite's MAX_ATR_SIZE at most).
    public static let atrLengths = 2...33

    /// Reads a message from its command byte and body; throws `.unknownCommand` or `.invalidMessage`.
    public init(command: LinkCommand, body: [UInt8]) throws(LinkError) {
        switch command {
        case .ping: self = .ping(body)
        case .apdu:
            try Self.require(body.count >= Self.minimumAPDULength, command, body, "needs CLA INS P1 P2")
            self = .apdu(body)
        case .powerOn: try self = Self.empty(.powerOn, command, body)
        case .powerOff: try self = Self.empty(.powerOff, command, body)
        case .reset: try self = Self.empty(.reset, command, body)
        case .getCredentialVersion: try self = Self.empty(.getCredentialVersion, command, body)
        case .unpair: try self = Self.empty(.unpair, command, body)
        case .unpaired: try self = Self.empty(.unpaired, command, body)
        case .cancel: try self = Self.empty(.cancel, command, body)
        case .pong: self = .pong(body)
        case .response:
            try Self.require(body.count >= Self.minimumResponseLength, command, body, "needs SW1 SW2")
            self = .response(body)
        case .atr:
            try Self.require(Self.atrLengths.contains(body.count), command, body, "needs 2 to 33 bytes")
            self = .atr(body)
        case .poweredOff: try self = Self.empty(.poweredOff, command, body)
        case .credentialVersion:
            try Self.require(body.count == 8, command, body, "needs 8 bytes")
            self = .credentialVersion(body.reduce(0) { $0 << 8 | UInt64($1) })
        case .error:
            try Self.require(body.count == 1, command, body, "needs 1 byte")
            self = .error(LinkErrorCode(rawValue: body[0]))
        case .keepalive:
            try Self.require(body.count == 1, command, body, "needs 1 byte")
            self = .keepalive(LinkKeepaliveStatus(rawValue: body[0]))
        default:
            throw LinkError(.unknownCommand, "\(command) is not a message of link protocol version 1")
        }
    }

    /// Reads the message a frame carries.
    public init(frame: LinkFrame) throws(LinkError) {
        try self.init(command: frame.command, body: frame.payload)
    }

    public var command: LinkCommand {
        switch self {
        case .ping: .ping
        case .apdu: .apdu
        case .powerOn: .powerOn
        case .powerOff: .powerOff
        case .reset: .reset
        case .getCredentialVersion: .getCredentialVersion
        case .unpair: .unpair
        case .unpaired: .unpaired
        case .cancel: .cancel
        case .pong: .pong
        case .response: .response
        case .atr: .atr
        case .poweredOff: .poweredOff
        case .credentialVersion: .credentialVersion
        case .error: .error
        case .keepalive: .keepalive
        }
    }

    public var body: [UInt8] {
        switch self {
        case .ping(let bytes), .apdu(let bytes), .pong(let bytes), .response(let bytes), .atr(let bytes): bytes
        case .powerOn, .powerOff, .reset, .getCredentialVersion, .unpair, .unpaired, .cancel, .poweredOff: []
        case .credentialVersion(let version): (0..<8).reversed().map { UInt8(truncatingIfNeeded: version >> ($0 * 8)) }
        case .error(let code): [code.rawValue]
        case .keepalive(let status): [status.rawValue]
        }
    }

    /// The frame that carries this message in transaction `transaction`. Throws `.invalidMessage` for a body
    /// the receiver would refuse (a 3-byte APDU from a confused PC/SC client, an empty response) and
    /// `.messageTooLong` for one over 0xFFFF bytes.
    public func frame(transaction: UInt8) throws(LinkError) -> LinkFrame {
        let body = body
        guard body.count <= LinkFrame.maximumPayloadLength else {
            throw LinkError(.messageTooLong, "a \(body.count)-byte \(command) is over the 65535 bytes a message can carry")
        }
        _ = try LinkMessage(command: command, body: body)
        return LinkFrame(command: command, transaction: transaction, payload: body)
    }

    /// True for the messages that open a transaction: the station's requests.
    public var isRequest: Bool {
        switch self {
        case .ping, .apdu, .powerOn, .powerOff, .reset, .getCredentialVersion, .unpair: true
        case .cancel, .pong, .response, .atr, .poweredOff, .credentialVersion, .unpaired, .error, .keepalive: false
        }
    }

    /// True if this message is a final answer the card may give to `request`: its own response, or ERROR.
    public func isFinalAnswer(to request: LinkMessage) -> Bool {
        switch (request, self) {
        case (_, .error): request.isRequest
        case (.ping(let sent), .pong(let echoed)): sent == echoed
        case (.apdu, .response), (.powerOn, .atr), (.reset, .atr), (.powerOff, .poweredOff),
            (.getCredentialVersion, .credentialVersion), (.unpair, .unpaired):
            true
        default: false
        }
    }

    private static func empty(_ message: LinkMessage, _ command: LinkCommand, _ body: [UInt8]) throws(LinkError) -> LinkMessage {
        try require(body.isEmpty, command, body, "has no body")
        return message
    }

    private static func require(_ condition: Bool, _ command: LinkCommand, _ body: [UInt8], _ rule: String) throws(LinkError) {
        guard condition else {
            throw LinkError(.invalidMessage, "\(command) with a \(body.count)-byte body: it \(rule)")
        }
    }
}
