/// Joins ISO 7816-4 command chains (CLA bit 0x10) into one logical command.
///
/// A chain whose header changes midway is abandoned, and the interrupting command stands on its own: SP 800-73
/// says an interrupted chain rolls back. The total is capped so that a peer cannot make the card buffer without
/// bound.
public struct CommandChainAssembler: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// The whole command, ready to be processed.
        case complete(CommandAPDU)
        /// A link was buffered; the card answers 9000 and waits for the next one.
        case awaitingMore
        /// The chain was refused and dropped.
        case rejected(StatusWord)
    }

    public let maximumLength: Int
    private var pending: CommandAPDU?

    public init(maximumLength: Int) { self.maximumLength = maximumLength }

    /// True while links of an unfinished chain are buffered.
    public var isOpen: Bool { pending != nil }

    public mutating func abandon() { pending = nil }

    public mutating func receive(_ command: CommandAPDU) -> Outcome {
        var link = command
        link.cla &= ~0x10
        if let chain = pending, !Self.sameHeader(chain, link) {
            pending = nil
        }
        if command.isChainContinuation {
            // Taken out of `pending` first, so that appending does not copy the buffered data every link.
            var chain = pending.take() ?? CommandAPDU(cla: link.cla, ins: link.ins, p1: link.p1, p2: link.p2)
            guard chain.data.count + link.data.count <= maximumLength else {
                return .rejected(.notEnoughMemory)
            }
            chain.data += link.data
            pending = chain
            return .awaitingMore
        }
        guard var chain = pending else { return .complete(link) }
        pending = nil
        guard chain.data.count + link.data.count <= maximumLength else { return .rejected(.notEnoughMemory) }
        chain.data += link.data
        chain.le = link.le
        return .complete(chain)
    }

    private static func sameHeader(_ a: CommandAPDU, _ b: CommandAPDU) -> Bool {
        a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2
    }
}
