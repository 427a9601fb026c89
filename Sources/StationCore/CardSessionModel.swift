import APDU

/// What the station knows about the card's session from the commands it sent and the answers it saw, as far as
/// the response cache needs it. It only ever claims what the card's answers prove; everything else is unknown.
///
/// - **Pending exchange.** After some commands the card holds state that lasts until its next command: an open
///   command chain (CLA 10), an answer still being read with GET RESPONSE (61xx), the "PIN Always" permission
///   a successful VERIFY with the PIN grants the next command (SP 800-73-5 pt2 §3.2.1; a status query in
///   between keeps it, VERIFY P1 FF ends it), the first half of a GENERAL
///   AUTHENTICATE exchange. The card's next command ends or uses it, so that command must reach the card:
///   answering it locally would leave the card in a state the real sequence of commands never reaches.
/// - **PIN not verified.** Proven by a 63Cx answer to VERIFY, a 6982 to GET DATA of a PIN-protected object, a
///   reset of the verified state (VERIFY P1 FF), or the end of the session (power-off, reset, the link going).
///   Only a command sent to the card can verify the PIN, and the card's idle timeout only ever unverifies it, so
///   the knowledge stays true until the station sends a command that might verify it.
struct CardSessionModel: Sendable {
    enum PINKnowledge: Hashable, Sendable {
        case notVerified
        case unknown
    }

    /// True when the card may hold state that its next command ends or uses. Unknown counts as true.
    private(set) var hasPendingExchange = true
    /// True when the card may hold an open command chain, which the next command with the same header would
    /// complete: its answer then is not the command's own. Unknown counts as true.
    private(set) var mayHoldOpenChain = true
    private(set) var pin = PINKnowledge.unknown

    /// Instructions that cannot verify the PIN (nor unverify it), whatever they answer.
    private static let leavesPINAlone: Set<UInt8> = [
        0xA4, 0xCB, 0xC0, 0xFD, 0xF8, 0xF7, 0xF9, 0x87, 0xDB, 0x47, 0xFE, 0xFF, 0xF6,
    ]

    /// The session ended (power-off, reset): nothing pending, PIN not verified.
    mutating func sessionEnded() {
        hasPendingExchange = false
        mayHoldOpenChain = false
        pin = .notVerified
    }

    /// Nothing is known: a new link, or an exchange whose answer never came.
    mutating func forget() {
        hasPendingExchange = true
        mayHoldOpenChain = true
        pin = .unknown
    }

    /// The card answered `command` (`nil`: bytes the card could not parse) with `response`.
    mutating func cardAnswered(_ command: CommandAPDU?, with response: ResponseAPDU) {
        guard let command else {
            forget()
            return
        }
        let status = response.status
        mayHoldOpenChain = command.isChainContinuation
        let isStatusQuery = command.ins == 0x20 && command.p1 == 0x00 && command.data.isEmpty
        hasPendingExchange =
            command.isChainContinuation || status.sw1 == 0x61 || (command.ins == 0x87 && status == .success)
            || (command.ins == 0x20 && command.p1 != 0xFF && !command.data.isEmpty && status == .success)
            // The status query keeps PIN Always as it was (and ends nothing else that could be pending).
            || (isStatusQuery && status == .success && hasPendingExchange)
        guard command.cla == 0x00 || command.isChainContinuation else { return }
        switch command.ins {
        case 0x20:
            pin = Self.knowledge(afterVerify: command, status: status)
        case 0xCB where CachePolicy.namesPINProtectedObject(command.data) && !command.isChainContinuation:
            if status == .securityStatusNotSatisfied {
                pin = .notVerified
            } else if status == .success || status == .fileNotFound || status.sw1 == 0x61 {
                pin = .unknown
            }
        case let ins where Self.leavesPINAlone.contains(ins):
            break
        default:
            if status != .instructionNotSupported { pin = .unknown }
        }
    }

    private static func knowledge(afterVerify command: CommandAPDU, status: StatusWord) -> PINKnowledge {
        guard command.p2 == 0x80, !command.isChainContinuation else { return .unknown }
        if status.sw1 == 0x63, status.sw2 & 0xF0 == 0xC0 { return .notVerified }
        if command.p1 == 0xFF, command.data.isEmpty, status == .success { return .notVerified }
        return .unknown
    }
}
