/// A Noise handshake pattern (rev 34 §7): the pre-messages and the message patterns, as tokens.
///
/// pivlink runs `IK` (§7.5): the initiator (the station) knows the responder's (the card's) static key before the
/// handshake, and sends its own static key encrypted in the first message. Other patterns can be written with
/// `init`; pre-messages may hold only `s`, since pivlink never knows a peer's ephemeral key in advance.
public struct HandshakePattern: Hashable, Sendable {
    /// The tokens of §7.1. `psk` is the pre-shared-key modifier's token (§9).
    public enum Token: Hashable, Sendable {
        case e, s, ee, es, se, ss, psk
    }

    /// The pattern's name in the protocol name: "IK", "XXpsk3".
    public let name: String
    /// The initiator's pre-message: `[.s]` when the responder knows the initiator's static key in advance.
    public let initiatorPreMessage: [Token]
    /// The responder's pre-message: `[.s]` when the initiator knows the responder's static key in advance.
    public let responderPreMessage: [Token]
    /// The messages in order; even indices go from initiator to responder, odd ones back.
    public let messagePatterns: [[Token]]

    public init(
        name: String, initiatorPreMessage: [Token] = [], responderPreMessage: [Token] = [], messagePatterns: [[Token]]
    ) {
        precondition(
            (initiatorPreMessage + responderPreMessage).allSatisfy { $0 == .s },
            "pre-messages may hold only s"
        )
        precondition(!messagePatterns.isEmpty, "a handshake has at least one message")
        self.name = name
        self.initiatorPreMessage = initiatorPreMessage
        self.responderPreMessage = responderPreMessage
        self.messagePatterns = messagePatterns
    }

    /// IK (§7.5):
    ///
    ///     <- s
    ///     ...
    ///     -> e, es, s, ss
    ///     <- e, ee, se
    public static let IK = HandshakePattern(
        name: "IK", responderPreMessage: [.s], messagePatterns: [[.e, .es, .s, .ss], [.e, .ee, .se]]
    )

    /// The full protocol name with pivlink's one choice of functions: `Noise_IK_25519_ChaChaPoly_SHA256`.
    public var protocolName: String { "Noise_\(name)_25519_ChaChaPoly_SHA256" }

    /// Whether the pattern has a `psk` token, which makes every `e` token also MixKey the ephemeral key (§9.2).
    var usesPreSharedKeys: Bool { messagePatterns.contains { $0.contains(.psk) } }

    /// How many pre-shared keys the pattern takes.
    var preSharedKeyCount: Int { messagePatterns.reduce(0) { $0 + $1.count { $0 == .psk } } }
}
