import APDU
import CardCrypto
import Foundation
import FuzzSupport
import PIVCard

/// A `PIVCard` under test with a shadow of its command chaining and a model of its session (`SessionModel`),
/// checked after every APDU.
///
/// Checked for every answer: it has a status word, and one this card uses; only 9000 and 61xx carry data; a piece
/// is never longer than max(256, Le), and a 61xx piece is exactly that long; malformed commands get 6700, foreign
/// classes 6E00, buffered chain links 9000. For the state: it is always what was last saved (a failed save changes
/// nothing), its version never goes back, and retry counters stay within their maximum of 1...10.
final class CardHarness {
    /// `PIVCard.maximumChainLength` (internal to PIVCard): the largest object plus its tag and length.
    static let maximumChainLength = 16 * 1024 + 16
    /// Status words' first bytes this card answers with (ISO 7816-4 §5.1.3, SP 800-73-5 pt2 §3.1).
    private static let knownSW1: Set<UInt8> = [0x61, 0x63, 0x65, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6D, 0x6E, 0x6F, 0x90]
    /// Set PIVLINK_FUZZ_TRACE to print every exchange, as `scripts/fuzz --replay` does.
    private static let tracing = ProcessInfo.processInfo.environment["PIVLINK_FUZZ_TRACE"] != nil

    /// What the card does with one APDU, worked out from the bytes alone.
    enum Disposition {
        case malformed
        case foreignClass
        case getResponse
        case bufferedLink
        case chainRejected(StatusWord)
        /// The whole command runs: the APDU itself, or the chain it completes.
        case command(CommandAPDU)
    }

    let card: PIVCard
    let random: DeterministicRandom
    private let store = SwitchableStore()
    private let initialState: CardState
    private let idleTimeout: Duration
    private var now = Duration.zero
    private var chain = CommandChainAssembler(maximumLength: CardHarness.maximumChainLength)
    private var model = SessionModel()

    init(state: CardState, configuration: CardConfiguration, random: DeterministicRandom) {
        initialState = state
        idleTimeout = configuration.idleTimeout
        self.random = random
        let environment = CardEnvironment(random: random, wallClock: { StartingStates.wallClock })
        card = PIVCard(state: state, store: store, environment: environment, configuration: configuration)
    }

    /// What `apdu` would do next, without sending it.
    func disposition(of apdu: [UInt8]) -> Disposition {
        var shadow = chain
        return Self.disposition(of: apdu, chain: &shadow)
    }

    /// Sends `apdu`, checks the answer and the state, and returns the answer.
    @discardableResult
    func send(_ apdu: [UInt8], failingSaves: Bool = false) -> [UInt8] {
        let before = card.state
        let disposition = Self.disposition(of: apdu, chain: &chain)
        store.failsSaves = failingSaves
        now += .milliseconds(1)
        let response = card.process(apdu, now: now)
        store.failsSaves = false
        if Self.tracing { print("> \(apdu.hex)\(failingSaves ? "  (saves fail)" : "")\n< \(response.hex)") }
        checkShape(of: response, to: apdu, disposition: disposition)
        checkState(before: before, failingSaves: failingSaves, apdu: apdu)
        if case .command(let command) = disposition, let answer = try? ResponseAPDU(parsing: response) {
            model.check(command, answer: answer, before: before, after: card.state, failingSaves: failingSaves)
        }
        return response
    }

    /// Power-off, reset or removal.
    func endSession() {
        if Self.tracing { print("# end of session") }
        card.endSession()
        chain.abandon()
        model.clear()
    }

    /// Lets the idle timeout pass without a command.
    func advancePastIdleTimeout() {
        if Self.tracing { print("# idle timeout") }
        now += idleTimeout + .seconds(1)
        model.clear()
    }

    private static func disposition(of apdu: [UInt8], chain: inout CommandChainAssembler) -> Disposition {
        guard let command = try? CommandAPDU(parsing: apdu) else {
            chain.abandon()
            return .malformed
        }
        guard command.cla & ~0x10 == 0 else {
            chain.abandon()
            return .foreignClass
        }
        if command.ins == 0xC0, !command.isChainContinuation { return .getResponse }
        switch chain.receive(command) {
        case .awaitingMore: return .bufferedLink
        case .rejected(let status): return .chainRejected(status)
        case .complete(let whole): return .command(whole)
        }
    }

    private func checkShape(of response: [UInt8], to apdu: [UInt8], disposition: Disposition) {
        guard let answer = try? ResponseAPDU(parsing: response) else {
            invariant(false, "answer \(response.hex) to \(apdu.hex) has no status word")
            return
        }
        let status = answer.status
        invariant(Self.knownSW1.contains(status.sw1), "unknown status \(status) for \(apdu.hex)")
        invariant(status.sw1 != 0x90 || status == .success, "status \(status) for \(apdu.hex)")
        invariant(answer.data.isEmpty || status == .success || status.sw1 == 0x61,
                  "\(answer.data.count) data bytes with status \(status) for \(apdu.hex)")
        switch disposition {
        case .malformed:
            invariant(answer == ResponseAPDU(.wrongLength), "malformed \(apdu.hex) answered \(response.hex)")
        case .foreignClass:
            invariant(answer == ResponseAPDU(.classNotSupported), "class of \(apdu.hex) answered \(response.hex)")
        case .bufferedLink:
            invariant(answer == ResponseAPDU(.success), "chain link \(apdu.hex) answered \(response.hex)")
        case .chainRejected(let expected):
            invariant(answer == ResponseAPDU(expected), "rejected chain \(apdu.hex) answered \(response.hex)")
        case .getResponse, .command:
            let le = (try? CommandAPDU(parsing: apdu))?.le
            let limit = max(256, le ?? 256)
            invariant(answer.data.count <= limit, "\(answer.data.count) bytes for Le \(String(describing: le)) to \(apdu.hex)")
            invariant(status.sw1 != 0x61 || answer.data.count == limit,
                      "a 61xx piece of \(answer.data.count) bytes for Le \(String(describing: le)) to \(apdu.hex)")
        }
    }

    private func checkState(before: CardState, failingSaves: Bool, apdu: [UInt8]) {
        let state = card.state
        invariant(state == (store.saved ?? initialState), "the card's state is not the last saved one after \(apdu.hex)")
        invariant(!failingSaves || state == before, "a failed save changed the state, after \(apdu.hex)")
        invariant(state.version >= before.version, "version went from \(before.version) to \(state.version)")
        for (name, reference) in [("PIN", state.pin), ("PUK", state.puk)] {
            invariant((1...10).contains(reference.maximumTries) && (0...reference.maximumTries).contains(reference.triesLeft),
                      "\(name) tries \(reference.triesLeft)/\(reference.maximumTries) after \(apdu.hex)")
        }
    }
}
