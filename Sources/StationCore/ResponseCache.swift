import APDU

/// The station's cache of the card's answers (issue "Station response cache"): for each command APDU from PC/SC
/// it decides whether the station answers it itself or sends it to the card, and it learns from the card's
/// answers. Pure: bytes in, decisions out.
///
/// An answer is cached only as the card gave it, keyed by the command's bytes but Le and by the credential
/// version the card reported (`LinkMessage.credentialVersion`), and only when `CachePolicy` says it depends on
/// the credential's public state alone. It is given again only when the card's answer would be the same in the
/// card's present state, which `CardSessionModel` tracks: never while the card holds a pending exchange (an open
/// chain, an answer being read, PIN Always, half a GENERAL AUTHENTICATE), and a PIN-protected object's 6982
/// only while the PIN is known not to be verified. An answer longer than one response is learned whole, by
/// following the card's GET RESPONSE chain, and given out again in pieces by the same `ResponseChainer` the
/// card uses, so the pieces are the card's own for any Le.
///
/// Usage: `route(_:)` each command in order; after `.card`, pass the card's answer to `cardAnswered(_:)` (or
/// `cardAnswerLost()`) before routing the next. Write instructions drop the cache and unconfirm the version;
/// the caller then asks the card for its version and passes it to `confirm(credentialVersion:)`. Until a
/// version is confirmed nothing is answered locally and nothing is learned.
///
/// A disabled cache (`init(isEnabled: false)`, station.conf `cache: false`) sends every command to the card and
/// learns nothing, while still tracking the card's session and version as an enabled one does.
///
/// The one way a local answer can show: the card's idle timeout (15 min by default) counts only the commands
/// it sees, so a session that only reads cached objects for that long loses its PIN on the card somewhat
/// earlier than on a card that saw every read. That errs on the safe side.
public struct ResponseCache: Sendable {
    public enum Route: Hashable, Sendable {
        /// Answer PC/SC with these bytes; the card never sees the command.
        case local([UInt8])
        /// Send the command to the card, then give its answer to `cardAnswered(_:)`.
        case card
    }

    private struct Entry: Sendable {
        let response: ResponseAPDU
        /// Given only while the PIN is known not to be verified.
        let requiresUnverifiedPIN: Bool
    }

    /// A command sent to the card whose answer has not come yet.
    private struct Forwarded: Sendable {
        /// The command without its Le (see `key(of:)`).
        let key: [UInt8]
        let command: CommandAPDU?
        /// How its answer may be cached; nil when it may not be (no version, a chain open on the card).
        let rule: CachePolicy.Rule?
        let pinWasUnverified: Bool
    }

    /// A card answer being read with GET RESPONSE, to be cached whole once it ends.
    private struct Learning: Sendable {
        let key: [UInt8]
        let rule: CachePolicy.Rule
        let pinWasUnverified: Bool
        var data: [UInt8]
    }

    private var entries: [[UInt8]: Entry] = [:]
    /// The version the entries belong to.
    private var entriesVersion: UInt64?
    /// True when the card confirmed `entriesVersion` on this link and nothing was written since.
    public private(set) var isVersionConfirmed = false
    private var session = CardSessionModel()
    /// The station's own answer being read with GET RESPONSE.
    private var localChain = ResponseChainer()
    private var forwarded: Forwarded?
    private var learning: Learning?

    /// False: every command goes to the card and no answer is kept (for diagnosis and benchmarks).
    public let isEnabled: Bool

    public init(isEnabled: Bool = true) {
        self.isEnabled = isEnabled
    }

    /// The number of cached answers.
    public var count: Int { entries.count }

    /// The credential version the cache holds answers of, if any.
    public var credentialVersion: UInt64? { entriesVersion }

    /// True while a command routed to the card awaits `cardAnswered(_:)`.
    public var isAwaitingCard: Bool { forwarded != nil }

    /// Decides where `bytes`, a command APDU from PC/SC, is answered. Calling it while a command routed to the
    /// card is unanswered is a bug in the caller and traps.
    public mutating func route(_ bytes: [UInt8]) -> Route {
        precondition(forwarded == nil, "route(_:) while the card's answer to the previous command is awaited")
        let command = try? CommandAPDU(parsing: bytes)
        if localChain.hasPending {
            if let command, command.cla == 0x00, command.ins == 0xC0, let piece = localChain.getResponse(le: command.le) {
                return .local(piece.serialized())
            }
            // Any other command ends the answer being read, on a card as here.
            localChain.discard()
        }
        let rule = command.map(CachePolicy.rule(for:)) ?? .never
        // A pending exchange (an answer being read, PIN Always, half an authentication) does not change the
        // answer to a cacheable command, only what the card holds after it; an open chain may.
        let mayLearn = isEnabled && isVersionConfirmed && !session.mayHoldOpenChain && rule != .never
        let mayUseCache = mayLearn && !session.hasPendingExchange
        let key = command.map(Self.key(of:)) ?? bytes
        if mayUseCache, let command, let entry = entries[key],
           !entry.requiresUnverifiedPIN || session.pin == .notVerified {
            let first = localChain.begin(entry.response, le: command.le)
            return .local(first.serialized())
        }
        forwarded = Forwarded(
            key: key, command: command, rule: mayLearn ? rule : nil, pinWasUnverified: session.pin == .notVerified)
        return .card
    }

    /// The card's answer to the command last routed to it. An answer under two bytes is not an R-APDU; the card's
    /// state is then unknown.
    public mutating func cardAnswered(_ responseBytes: [UInt8]) {
        guard let sent = forwarded else { preconditionFailure("cardAnswered(_:) without a command routed to the card") }
        forwarded = nil
        guard let response = try? ResponseAPDU(parsing: responseBytes) else {
            cardAnswerLost(sent)
            return
        }
        session.cardAnswered(sent.command, with: response)
        if let command = sent.command, Self.mayWrite(command, status: response.status) {
            invalidate()
            return
        }
        learn(sent, response)
    }

    /// The command last routed to the card got no answer (the link failed or timed out): the card may or may not
    /// have run it.
    public mutating func cardAnswerLost() {
        guard let sent = forwarded else { preconditionFailure("cardAnswerLost() without a command routed to the card") }
        forwarded = nil
        cardAnswerLost(sent)
    }

    /// The card reported its credential version: the cache keeps its answers if they are of this version and
    /// drops them otherwise.
    public mutating func confirm(credentialVersion version: UInt64) {
        if version != entriesVersion {
            entries = [:]
            learning = nil
            entriesVersion = version
        }
        isVersionConfirmed = true
    }

    /// The card was powered off or reset (or PC/SC removed it): its session is over.
    public mutating func cardSessionEnded() {
        session.sessionEnded()
        localChain.discard()
        learning = nil
    }

    /// A new link to the card (or none): the card's session and version must be learned again. Cached answers
    /// stay, to be kept or dropped by the next `confirm(credentialVersion:)`. A command routed to the card and
    /// not answered is forgotten, never sent again.
    public mutating func linkChanged() {
        forwarded = nil
        learning = nil
        localChain.discard()
        session.forget()
        isVersionConfirmed = false
    }

    private mutating func cardAnswerLost(_ sent: Forwarded) {
        session.forget()
        learning = nil
        if let command = sent.command, CachePolicy.writeInstructions.contains(command.ins) { invalidate() }
    }

    private mutating func invalidate() {
        entries = [:]
        learning = nil
        isVersionConfirmed = false
    }

    private mutating func learn(_ sent: Forwarded, _ response: ResponseAPDU) {
        if let command = sent.command, command.cla == 0x00, command.ins == 0xC0, var chain = learning {
            learning = nil
            chain.data += response.data
            if response.status.sw1 == 0x61 {
                learning = chain
            } else {
                store(ResponseAPDU(data: chain.data, status: response.status), key: chain.key, rule: chain.rule,
                      pinWasUnverified: chain.pinWasUnverified)
            }
            return
        }
        learning = nil
        guard let rule = sent.rule else { return }
        if response.status.sw1 == 0x61 {
            learning = Learning(key: sent.key, rule: rule, pinWasUnverified: sent.pinWasUnverified, data: response.data)
        } else {
            store(response, key: sent.key, rule: rule, pinWasUnverified: sent.pinWasUnverified)
        }
    }

    private mutating func store(_ response: ResponseAPDU, key: [UInt8], rule: CachePolicy.Rule, pinWasUnverified: Bool) {
        let status = response.status
        switch rule {
        case .never:
            return
        case .always:
            guard CachePolicy.isStable(status) else { return }
            entries[key] = Entry(response: response, requiresUnverifiedPIN: false)
        case .whileUnverified:
            guard pinWasUnverified, status == .securityStatusNotSatisfied else { return }
            entries[key] = Entry(response: response, requiresUnverifiedPIN: true)
        case .onlyStatus(let accepted):
            guard accepted.contains(status) else { return }
            entries[key] = Entry(response: response, requiresUnverifiedPIN: false)
        }
    }

    /// The cache key of a command: its bytes without Le. The card computes its answer from the rest and uses Le
    /// only to cut the answer into pieces (`ResponseChainer`), which the station does the same way; OpenSC asks
    /// for the first 8 bytes of an object to learn its length before reading it whole.
    private static func key(of command: CommandAPDU) -> [UInt8] {
        var withoutLe = command
        withoutLe.le = nil
        return withoutLe.serialized()
    }

    /// True when the card may have changed what it holds: a write instruction, or an instruction or class the
    /// station does not know that the card did not refuse as unknown.
    private static func mayWrite(_ command: CommandAPDU, status: StatusWord) -> Bool {
        if CachePolicy.writeInstructions.contains(command.ins) { return true }
        if status == .instructionNotSupported || status == .classNotSupported { return false }
        return command.cla & ~0x10 != 0 || !knownInstructions.contains(command.ins)
    }

    /// The instructions `PIVCard` implements (SP 800-73 and the YubiKey extensions).
    private static let knownInstructions: Set<UInt8> = [
        0xA4, 0xCB, 0xDB, 0x20, 0x24, 0x2C, 0x87, 0x47, 0xC0, 0xFD, 0xF8, 0xFF, 0xFE, 0xF7, 0xF9, 0xFA, 0xFB, 0xF6,
    ]
}
