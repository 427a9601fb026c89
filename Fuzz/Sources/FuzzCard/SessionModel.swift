import APDU
import FuzzSupport
import PIVCard

/// What the session may have proven, and the PIN and PUK the card must accept, worked out from the commands and
/// answers alone. The privileges are upper bounds: set only by an answer that proves them, cleared only by an
/// event that surely drops them. A privileged command that succeeds without them is an access-control bug.
struct SessionModel {
    /// Objects whose read rule is the PIN (`DataObject.pinProtected`, internal to PIVCard).
    private static let pinProtectedObjects: Set<UInt32> = [0x5FC103, 0x5FC108, 0x5FC109, 0x5FC121]
    /// Instructions that need the management key: PUT DATA, GENERATE, IMPORT, MOVE KEY, SET MGMKEY.
    private static let administrativeInstructions: Set<UInt8> = [0xDB, 0x47, 0xFE, 0xF6, 0xFF]

    private var mayHoldManagementKey = false
    private var mayHoldPIN = false
    /// SP 800-73's "PIN Always": a VERIFY right before.
    private var mayHoldFreshPIN = false
    private var pin = ReferenceValue.defaultPIN
    private var puk = ReferenceValue.defaultPUK

    mutating func clear() {
        mayHoldManagementKey = false
        clearPIN()
    }

    private mutating func clearPIN() {
        mayHoldPIN = false
        mayHoldFreshPIN = false
    }

    /// Checks the answer to a whole command, then learns from it.
    mutating func check(
        _ command: CommandAPDU, answer: ResponseAPDU, before: CardState, after: CardState, failingSaves: Bool
    ) {
        let succeeded = answer.status == .success || answer.status.sw1 == 0x61
        let described = "\(command.serialized().hex) → \(answer.status)"
        if succeeded {
            checkPrivileges(command, before: before, described: described)
        }
        switch command.ins {
        case 0x20: verify(command, answer: answer, before: before, after: after, failingSaves: failingSaves)
        case 0x24: changeReferenceData(command, answer: answer, before: before, failingSaves: failingSaves)
        case 0x2C: resetRetryCounter(command, answer: answer, before: before, failingSaves: failingSaves)
        case 0x87 where command.p2 == 0x9B && answer.status == .success:
            if Self.provesManagementKey(answer.data) { mayHoldManagementKey = true }
        case 0xFA where succeeded:
            pin = ReferenceValue.defaultPIN
            puk = ReferenceValue.defaultPUK
            clearPIN()
        case 0xFB where succeeded:
            invariant(before.pin.isBlocked && before.puk.isBlocked, "RESET succeeded with the PIN or PUK unblocked")
            pin = ReferenceValue.defaultPIN
            puk = ReferenceValue.defaultPUK
            clear()
        default:
            break
        }
        if command.ins != 0x20 { mayHoldFreshPIN = false }
    }

    private func checkPrivileges(_ command: CommandAPDU, before: CardState, described: String) {
        if Self.administrativeInstructions.contains(command.ins) {
            invariant(mayHoldManagementKey, "\(described) without the management key")
        }
        switch command.ins {
        case 0xFA:
            invariant(mayHoldManagementKey && mayHoldPIN, "\(described) without the management key and PIN")
        case 0xCB:
            if let tag = Self.objectTag(command.data), Self.pinProtectedObjects.contains(tag) {
                invariant(mayHoldPIN, "\(described) read a PIN-protected object without the PIN")
            }
        case 0x87 where command.p2 != 0x9B:
            guard let slot = KeySlot(command.p2), let key = before.keys[slot] else {
                invariant(false, "\(described) used a slot without a key")
                return
            }
            switch key.pinPolicy {
            case .never: break
            case .once: invariant(mayHoldPIN, "\(described) used a PIN-once key without the PIN")
            case .always: invariant(mayHoldPIN && mayHoldFreshPIN, "\(described) used a PIN-always key without a VERIFY before")
            }
        case 0x20 where command.p1 == 0x00 && command.data.isEmpty:
            invariant(mayHoldPIN, "\(described): the status query says verified, but no VERIFY succeeded")
        default:
            break
        }
    }

    private mutating func verify(
        _ command: CommandAPDU, answer: ResponseAPDU, before: CardState, after: CardState, failingSaves: Bool
    ) {
        guard command.p2 == 0x80 else { return }
        if command.p1 == 0xFF, command.data.isEmpty, answer.status == .success {
            clearPIN()
            return
        }
        guard command.p1 == 0x00, !command.data.isEmpty else { return }
        let described = "VERIFY \(command.data.hex)"
        guard let candidate = ReferenceValue.pin(fromBlock: command.data[...]) else {
            invariant(answer.status == .incorrectData, "\(described): malformed PIN answered \(answer.status)")
            return
        }
        if before.pin.isBlocked {
            invariant(answer.status == .authenticationMethodBlocked, "\(described): blocked PIN answered \(answer.status)")
        } else if failingSaves {
            invariant(answer.status == .memoryFailure, "\(described) with failing saves answered \(answer.status)")
        } else if candidate == pin {
            invariant(answer.status == .success, "\(described): the right PIN answered \(answer.status)")
            invariant(after.pin.triesLeft == after.pin.maximumTries, "\(described): the right PIN left \(after.pin.triesLeft) tries")
        } else {
            let left = before.pin.triesLeft - 1
            invariant(answer.status == .verificationFailed(triesLeft: left), "\(described): a wrong PIN answered \(answer.status)")
            invariant(after.pin.triesLeft == left, "\(described): a wrong PIN left \(after.pin.triesLeft) tries")
        }
        if answer.status == .success {
            mayHoldPIN = true
            mayHoldFreshPIN = true
        } else if answer.status.sw1 == 0x63 || answer.status == .authenticationMethodBlocked {
            clearPIN()
        }
    }

    private mutating func changeReferenceData(
        _ command: CommandAPDU, answer: ResponseAPDU, before: CardState, failingSaves: Bool
    ) {
        guard command.p1 == 0x00, command.p2 == 0x80 || command.p2 == 0x81, command.data.count == 16 else { return }
        let isPIN = command.p2 == 0x80
        let read = isPIN ? ReferenceValue.pin(fromBlock:) : ReferenceValue.puk(fromBlock:)
        guard let old = read(command.data[0..<8]), let new = read(command.data[8..<16]) else { return }
        let counter = isPIN ? before.pin : before.puk
        let known = isPIN ? pin : puk
        let described = "CHANGE REFERENCE DATA \(command.p2 == 0x80 ? "PIN" : "PUK")"
        checkSecret(old == known, counter: counter, answer: answer, failingSaves: failingSaves, described: described)
        if answer.status == .success {
            if isPIN {
                pin = new
                mayHoldPIN = true
            } else {
                puk = new
            }
        } else if isPIN, answer.status.sw1 == 0x63 || answer.status == .authenticationMethodBlocked {
            clearPIN()
        }
    }

    private mutating func resetRetryCounter(
        _ command: CommandAPDU, answer: ResponseAPDU, before: CardState, failingSaves: Bool
    ) {
        guard command.p1 == 0x00, command.p2 == 0x80, command.data.count == 16,
              let candidate = ReferenceValue.puk(fromBlock: command.data[0..<8]),
              let newPIN = ReferenceValue.pin(fromBlock: command.data[8..<16])
        else { return }
        checkSecret(candidate == puk, counter: before.puk, answer: answer, failingSaves: failingSaves,
                    described: "RESET RETRY COUNTER")
        if answer.status == .success { pin = newPIN }
    }

    /// The answer to a command that checks a PIN or PUK and then changes something.
    private func checkSecret(
        _ isRight: Bool, counter: ReferenceData, answer: ResponseAPDU, failingSaves: Bool, described: String
    ) {
        if counter.isBlocked {
            invariant(answer.status == .authenticationMethodBlocked, "\(described): blocked answered \(answer.status)")
        } else if failingSaves {
            invariant(answer.status == .memoryFailure, "\(described) with failing saves answered \(answer.status)")
        } else if isRight {
            invariant(answer.status == .success, "\(described): the right value answered \(answer.status)")
        } else {
            invariant(answer.status == .verificationFailed(triesLeft: counter.triesLeft - 1),
                      "\(described): a wrong value answered \(answer.status)")
        }
    }

    /// A completed 9B authentication answers nothing (external) or `7C { 82 … }` (mutual); a first step answers
    /// with a witness (80) or challenge (81) and proves nothing yet.
    private static func provesManagementKey(_ data: [UInt8]) -> Bool {
        if data.isEmpty { return true }
        guard let template = try? TLV.parseSequence(data), template.count == 1, template[0].tag == 0x7C,
              let items = try? template[0].children()
        else { return false }
        return items.map(\.tag) == [0x82]
    }

    /// The tag in GET DATA's `5C` tag list.
    private static func objectTag(_ data: [UInt8]) -> UInt32? {
        guard let items = try? TLV.parseSequence(data), items.count == 1, items[0].tag == 0x5C,
              (1...3).contains(items[0].value.count)
        else { return nil }
        return items[0].value.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
