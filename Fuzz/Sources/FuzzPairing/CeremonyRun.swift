import FuzzSupport
import Pairing

/// One side of a pairing ceremony (the subject) against the genuine other side (the peer), fed the input's ops.
/// Everything the subject sends goes to the peer at once; what the peer sends waits in a queue for ops 01 and 02.
/// Ops, one byte each plus operands:
///
///     00 L L …  the subject receives L (u16) raw bytes from the input
///     01        the subject receives the peer's next queued message
///     02 I X    likewise, with its byte I (mod length) XORed with X
///     03        the subject's user confirms the code the subject showed (000000 if none)
///     04 D×6    the subject's user confirms the code of six digits D mod 10
///     05        the peer's user confirms the peer's code
///     06 T      T seconds pass, then the subject's timer fires
///     07        the subject's user rejects the code
///     08        the subject's user cancels
///     09        the station under test starts, if nothing was called on it yet (start is only for a new
///               ceremony; otherwise, and for a card, nothing)
///
/// Checked against docs/pairing-protocol.md: `.paired` and `.fail` come only last, and only one of them; `.paired`
/// only once the subject's user confirmed and the peer's genuine CONFIRM arrived, naming the peer's key; after
/// either, every call but the timer answers exactly `.fail(.ceremonyFinished)` and the timer does nothing; a
/// timer before the deadline does nothing; the deadline is the last one armed; the code is shown at most once.
struct CeremonyRun {
    private let subjectRole: PairingRole
    private var reader: ByteReader
    private var subject: PairingStateMachine
    private var peer: PairingStateMachine
    private var fromPeer: [[UInt8]] = []
    private var now = Duration.zero

    /// No call was made on the subject yet, so `start(now:)` may be.
    private var untouched = true
    private var ended = false
    /// The phase the ceremony ended in; nothing may change it afterwards.
    private var endPhase: PairingPhase?
    private var shownCode: PairingCode?
    private var peerCode: PairingCode?
    private var confirmedHere = false
    private var peerConfirmation: [UInt8]?
    private var peerConfirmationArrived = false

    init(subjectRole: PairingRole, ops: [UInt8]) {
        self.subjectRole = subjectRole
        reader = ByteReader(ops)
        subject = PairingFixture.machine(subjectRole)
        peer = PairingFixture.machine(subjectRole == .station ? .card : .station)
        if subjectRole == .card {
            peerDid(peer.start(now: now))
        }
    }

    mutating func check() {
        while !reader.isAtEnd {
            switch reader.byte() % 10 {
            case 0: receive(reader.bytes(upTo: reader.uint16()))
            case 1: deliverFromPeer(index: 0, flip: 0)
            case 2: deliverFromPeer(index: Int(reader.byte()), flip: reader.byte())
            case 3: confirm(shownCode ?? Self.code(digits: [0, 0, 0, 0, 0, 0]))
            case 4: confirm(Self.code(digits: reader.bytes(upTo: PairingCode.digitCount)))
            case 5:
                guard let peerCode else { continue }
                peerDid(peer.confirm(code: peerCode))
            case 6:
                now += .seconds(Int(reader.byte()))
                timerFires()
            case 7:
                untouched = false
                endByUser(subject.reject())
            case 8:
                untouched = false
                endByUser(subject.cancel())
            default:
                guard subjectRole == .station, untouched else { continue }
                untouched = false
                subjectDid(subject.start(now: now), call: "start")
            }
        }
    }

    private mutating func deliverFromPeer(index: Int, flip: UInt8) {
        guard !fromPeer.isEmpty else { return }
        var message = fromPeer.removeFirst()
        message[index % message.count] ^= flip
        receive(message)
    }

    private mutating func receive(_ message: [UInt8]) {
        if message == peerConfirmation {
            peerConfirmationArrived = true
        }
        untouched = false
        let wasEnded = ended
        let actions = subject.receive(message, now: now)
        if wasEnded {
            checkFinishedAnswer(actions, call: "receive \(message.hex)")
        } else {
            subjectDid(actions, call: "receive \(message.hex)")
        }
    }

    private mutating func confirm(_ code: PairingCode) {
        untouched = false
        guard !ended else {
            checkFinishedAnswer(subject.confirm(code: code), call: "confirm")
            return
        }
        let actions = subject.confirm(code: code)
        if !actions.contains(where: Self.isFail) {
            invariant(code == shownCode, "the subject accepted \(code), not the code \(String(describing: shownCode)) it showed")
            invariant(actions.first.map(Self.isConfirm) == true, "a confirmation sent no CONFIRM first: \(actions)")
            confirmedHere = true
        }
        subjectDid(actions, call: "confirm \(code)")
    }

    private mutating func endByUser(_ actions: [PairingAction]) {
        if ended {
            checkFinishedAnswer(actions, call: "reject or cancel")
            return
        }
        invariant(actions.last.map(Self.isFail) == true, "a rejection or cancellation did not fail the ceremony: \(actions)")
        subjectDid(actions, call: "reject or cancel")
    }

    private mutating func timerFires() {
        untouched = false
        let deadline = subject.deadline
        let actions = subject.handleTimer(now: now)
        guard !ended, let deadline, now >= deadline else {
            invariant(actions.isEmpty, "a timer before the deadline or after the end did something: \(actions)")
            return
        }
        invariant(actions.last.map(Self.isFail) == true, "the deadline passed and the ceremony lives on: \(actions)")
        subjectDid(actions, call: "timer")
    }

    /// The actions of a call made while the ceremony was live; what the subject sends goes to the peer.
    private mutating func subjectDid(_ actions: [PairingAction], call: String) {
        for (position, action) in actions.enumerated() {
            let isLast = position == actions.count - 1
            switch action {
            case .send(let bytes):
                peerDid(peer.receive(bytes, now: now))
            case .showCode(let code):
                invariant(shownCode == nil, "\(call): a second code shown")
                shownCode = code
            case .armTimer(let deadline):
                invariant(subject.deadline == deadline, "\(call): armed \(deadline), but the deadline is \(String(describing: subject.deadline))")
            case .paired(let key):
                invariant(isLast, "\(call): actions after .paired: \(actions)")
                invariant(confirmedHere, "\(call): paired before this side's user confirmed")
                invariant(peerConfirmationArrived, "\(call): paired without the peer's genuine CONFIRM")
                invariant(key.bytes == PairingFixture.publicKey(peer.role), "\(call): paired with a key not the peer's")
                invariant(subject.phase == .paired(key), "\(call): paired, but the phase is \(subject.phase)")
                ended = true
            case .fail(let error):
                invariant(isLast, "\(call): actions after .fail: \(actions)")
                invariant(error.code != .ceremonyFinished, "\(call): a live ceremony said it was finished")
                invariant(subject.phase == .failed(error), "\(call): failed, but the phase is \(subject.phase)")
                ended = true
            }
        }
        if ended {
            invariant(subject.deadline == nil, "\(call): the ceremony ended with a deadline armed")
            endPhase = subject.phase
        }
    }

    /// A call after the end: it answers `.fail(.ceremonyFinished)` and nothing else.
    private func checkFinishedAnswer(_ actions: [PairingAction], call: String) {
        guard actions.count == 1, case .fail(let error) = actions[0], error.code == .ceremonyFinished else {
            invariant(false, "\(call) after the end answered \(actions)")
            return
        }
        invariant(subject.phase == endPhase && subject.deadline == nil, "\(call) after the end changed the ceremony")
    }

    /// What the peer did: its messages wait in the queue; its code and CONFIRM are noted for the checks.
    private mutating func peerDid(_ actions: [PairingAction]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                fromPeer.append(bytes)
                if bytes.count > 1, bytes[1] == PairingMessage.MessageType.confirm.rawValue {
                    peerConfirmation = bytes
                }
            case .showCode(let code):
                peerCode = code
            case .armTimer, .paired, .fail:
                break
            }
        }
    }

    private static func code(digits: [UInt8]) -> PairingCode {
        let text = String(digits.map { Character(String($0 % 10)) })
        do {
            return try PairingCode(parsing: String(repeating: "0", count: PairingCode.digitCount - text.count) + text)
        } catch {
            fatalError("six digits were refused as a pairing code: \(error)")
        }
    }

    private static func isFail(_ action: PairingAction) -> Bool {
        if case .fail = action { true } else { false }
    }

    private static func isConfirm(_ action: PairingAction) -> Bool {
        guard case .send(let bytes) = action, bytes.count > 1 else { return false }
        return bytes[1] == PairingMessage.MessageType.confirm.rawValue
    }
}
