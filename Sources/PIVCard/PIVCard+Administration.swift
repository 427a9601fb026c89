import APDU
import CardCrypto

/// YubiKey administration instructions: SET MGMKEY (FF), SET PIN RETRIES (FA) and RESET (FB).
extension PIVCard {
    /// `FF FF` followed by algorithm, 9B, length, key. P2 FE asks for touch, which this card cannot offer.
    func setManagementKey(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0xFF, command.p2 == 0xFF else { return ResponseAPDU(.incorrectP1P2) }
        guard security.managementKeyAuthenticated else { return ResponseAPDU(.securityStatusNotSatisfied) }
        let data = command.data
        guard data.count >= 3, let algorithm = SymmetricAlgorithm(rawValue: data[0]),
              data[1] == ManagementKeyAuthentication.keyReference, Int(data[2]) == data.count - 3,
              Int(data[2]) == algorithm.keyByteCount
        else { return ResponseAPDU(.incorrectData) }
        let key = Array(data[3...])
        var next = state
        next.managementKey = ManagementKey(algorithm: algorithm, key: key,
                                           isDefault: Self.isDefaultManagementKey(algorithm, key))
        return commit(next) ? ResponseAPDU(.success) : ResponseAPDU(.memoryFailure)
    }

    /// P1 PIN tries, P2 PUK tries (1…10, FIPS 201-3 §2.9.3 allows at most 10). As on a YubiKey, this needs the
    /// management key and the PIN, and sets the PIN and PUK back to their defaults.
    func setPINRetries(_ command: CommandAPDU) -> ResponseAPDU {
        guard (1...10).contains(command.p1), (1...10).contains(command.p2) else { return ResponseAPDU(.incorrectP1P2) }
        guard security.managementKeyAuthenticated, security.pinVerified, let vault = security.vaultKey
        else { return ResponseAPDU(.securityStatusNotSatisfied) }
        var next = state
        do {
            try next.vault.rewrap(vault, under: ReferenceValue.defaultPIN, as: .pin, parameters: configuration.kdf,
                                  random: environment.random)
            try next.vault.rewrap(vault, under: ReferenceValue.defaultPUK, as: .puk, parameters: configuration.kdf,
                                  random: environment.random)
        } catch {
            return ResponseAPDU(.noPreciseDiagnosis)
        }
        next.pin = ReferenceData(triesLeft: Int(command.p1), maximumTries: Int(command.p1), isDefault: true)
        next.puk = ReferenceData(triesLeft: Int(command.p2), maximumTries: Int(command.p2), isDefault: true)
        guard commit(next) else { return ResponseAPDU(.memoryFailure) }
        security.clearPIN()
        return ResponseAPDU(.success)
    }

    /// Wipes the credential — only once both the PIN and the PUK are blocked, so that nobody who knows either
    /// can lose the keys by accident. The serial and the attestation key survive, as on a YubiKey.
    func resetApplication(_ command: CommandAPDU) -> ResponseAPDU {
        guard state.pin.isBlocked, state.puk.isBlocked else { return ResponseAPDU(.conditionsOfUseNotSatisfied) }
        let next: CardState
        do {
            next = try CardProvisioning.resetState(of: state, kdf: configuration.kdf, environment: environment)
        } catch {
            return ResponseAPDU(.noPreciseDiagnosis)
        }
        guard commit(next) else { return ResponseAPDU(.memoryFailure) }
        security.clear()
        return ResponseAPDU(.success)
    }

    static func isDefaultManagementKey(_ algorithm: SymmetricAlgorithm, _ key: [UInt8]) -> Bool {
        algorithm == CardProvisioning.defaultManagementKeyAlgorithm
            && ConstantTime.equals(key, CardProvisioning.defaultManagementKey)
    }
}
