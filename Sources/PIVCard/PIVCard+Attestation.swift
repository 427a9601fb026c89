import APDU
import CardCrypto

/// YubiKey ATTEST (F9): P1 names a slot whose key was generated on the card; the answer is a DER certificate
/// for it, issued by the attestation key. Imported keys cannot be attested: nothing proves where they were made.
/// X25519 keys are refused too, because swift-certificates cannot carry an X25519 subject key.
extension PIVCard {
    func attest(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p2 == 0x00, let slot = KeySlot(command.p1), slot != .attestation
        else { return ResponseAPDU(.incorrectP1P2) }
        guard let key = state.keys[slot] else { return ResponseAPDU(.referenceNotFound) }
        guard key.origin == .generated, key.algorithm != .x25519 else { return ResponseAPDU(.incorrectData) }
        guard let authority = state.keys[.attestation],
              let object = state.objects[DataObject.attestationCertificate],
              let certificate = try? TLV.parseSequence(object).first(0x70)?.value
        else { return ResponseAPDU(.conditionsOfUseNotSatisfied) }
        guard case .success(let authorityKey) = unlockedKey(.attestation, authority)
        else { return ResponseAPDU(.securityStatusNotSatisfied) }
        do {
            let answer = try AttestationAuthority.attest(
                slot, key: key, serial: state.serial, authorityKey: authorityKey, authorityCertificate: certificate,
                now: environment.wallClock(), random: environment.random)
            return ResponseAPDU(data: answer, status: .success)
        } catch {
            return ResponseAPDU(.noPreciseDiagnosis)
        }
    }
}
