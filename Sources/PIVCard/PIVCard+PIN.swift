import APDU
import CardCrypto

/// VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (SP 800-73-5 pt2 §3.2.1–3.2.3).
extension PIVCard {
    static let pinReference: UInt8 = 0x80
    static let pukReference: UInt8 = 0x81

    func verify(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p2 == Self.pinReference else { return ResponseAPDU(.referenceNotFound) }
        switch (command.p1, command.data.isEmpty) {
        case (0xFF, true):
            security.clearPIN()
            return ResponseAPDU(.success)
        case (0x00, true):
            // The status query: libykpiv sends it with Le=00, OpenSC without.
            if state.pin.isBlocked { return ResponseAPDU(.authenticationMethodBlocked) }
            return ResponseAPDU(security.pinVerified ? .success : .verificationFailed(triesLeft: state.pin.triesLeft))
        case (0x00, false):
            guard let pin = ReferenceValue.pin(fromBlock: command.data[...]) else { return ResponseAPDU(.incorrectData) }
            switch check(.pin, pin) {
            case .accepted(let vault):
                security.pinVerified = true
                security.pinJustVerified = true
                security.vaultKey = vault
                return ResponseAPDU(.success)
            case .refused(let status):
                security.clearPIN()
                return ResponseAPDU(status)
            }
        default:
            return ResponseAPDU(.incorrectP1P2)
        }
    }

    func changeReferenceData(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x00 else { return ResponseAPDU(.incorrectP1P2) }
        let kind: KeyVault.Secret
        switch command.p2 {
        case Self.pinReference: kind = .pin
        case Self.pukReference: kind = .puk
        default: return ResponseAPDU(.referenceNotFound)
        }
        guard command.data.count == 16,
              let old = Self.referenceValue(kind, command.data[0..<8]),
              let new = Self.referenceValue(kind, command.data[8..<16])
        else { return ResponseAPDU(.incorrectData) }
        switch check(kind, old) {
        case .refused(let status):
            if kind == .pin { security.clearPIN() }
            return ResponseAPDU(status)
        case .accepted(let vault):
            var next = state
            do {
                try next.vault.rewrap(vault, under: new, as: kind, parameters: configuration.kdf,
                                      random: environment.random)
            } catch {
                return ResponseAPDU(.noPreciseDiagnosis)
            }
            switch kind {
            case .pin: next.pin.isDefault = ConstantTime.equals(new, ReferenceValue.defaultPIN)
            case .puk: next.puk.isDefault = ConstantTime.equals(new, ReferenceValue.defaultPUK)
            }
            guard commit(next) else { return ResponseAPDU(.memoryFailure) }
            if kind == .pin {
                security.pinVerified = true
                security.vaultKey = vault
            }
            return ResponseAPDU(.success)
        }
    }

    /// PUK and a new PIN: the PUK opens its wrap of the vault, which is then wrapped under the new PIN, and the
    /// PIN's counter starts over. The PIN's security status is left as it was (pt2 §3.2.3).
    func resetRetryCounter(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x00 else { return ResponseAPDU(.incorrectP1P2) }
        guard command.p2 == Self.pinReference else { return ResponseAPDU(.referenceNotFound) }
        guard command.data.count == 16,
              let puk = ReferenceValue.puk(fromBlock: command.data[0..<8]),
              let newPIN = ReferenceValue.pin(fromBlock: command.data[8..<16])
        else { return ResponseAPDU(.incorrectData) }
        switch check(.puk, puk) {
        case .refused(let status):
            return ResponseAPDU(status)
        case .accepted(let vault):
            var next = state
            do {
                try next.vault.rewrap(vault, under: newPIN, as: .pin, parameters: configuration.kdf,
                                      random: environment.random)
            } catch {
                return ResponseAPDU(.noPreciseDiagnosis)
            }
            next.pin.triesLeft = next.pin.maximumTries
            next.pin.isDefault = ConstantTime.equals(newPIN, ReferenceValue.defaultPIN)
            return commit(next) ? ResponseAPDU(.success) : ResponseAPDU(.memoryFailure)
        }
    }

    enum SecretCheck {
        case accepted(X25519KeyPair)
        case refused(StatusWord)
    }

    /// Checks a PIN or PUK the way SP 800-73 and our own rules demand: the retry counter is decremented and made
    /// durable first, so that cutting the power mid-check cannot give a free guess; a right value resets it.
    func check(_ kind: KeyVault.Secret, _ value: [UInt8]) -> SecretCheck {
        let counter: WritableKeyPath<CardState, ReferenceData> = kind == .pin ? \.pin : \.puk
        guard !state[keyPath: counter].isBlocked else { return .refused(.authenticationMethodBlocked) }
        var next = state
        next[keyPath: counter].triesLeft -= 1
        guard commit(next) else { return .refused(.memoryFailure) }
        let opened: X25519KeyPair?
        do {
            opened = try state.vault.open(with: value, as: kind)
        } catch {
            return .refused(.noPreciseDiagnosis)
        }
        guard let vault = opened else {
            return .refused(.verificationFailed(triesLeft: state[keyPath: counter].triesLeft))
        }
        next[keyPath: counter].triesLeft = next[keyPath: counter].maximumTries
        guard commit(next) else { return .refused(.memoryFailure) }
        return .accepted(vault)
    }

    private static func referenceValue(_ kind: KeyVault.Secret, _ block: ArraySlice<UInt8>) -> [UInt8]? {
        kind == .pin ? ReferenceValue.pin(fromBlock: block) : ReferenceValue.puk(fromBlock: block)
    }
}
