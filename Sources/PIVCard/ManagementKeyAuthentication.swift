import APDU
import CardCrypto

/// Authentication of the card application administrator with the 9B key (SP 800-73-5 pt2 App. A): mutual
/// (witness 80, then witness and challenge 81, answered with 82) and external (challenge 81, answered with 82).
enum ManagementKeyAuthentication {
    static let keyReference: UInt8 = 0x9B

    enum Step {
        /// Send this and wait for the second half.
        case respond([UInt8], pending: AdminChallenge)
        /// Authenticated; send this (possibly nothing).
        case authenticated([UInt8])
        case refused(StatusWord)
    }

    /// One GENERAL AUTHENTICATE to 9B. `pending` is the first half, if the previous command was one.
    static func step(
        algorithm p1: UInt8, items: [TLV], key: ManagementKey, pending: AdminChallenge?, random: some RandomSource
    ) -> Step {
        // P1 00 is the legacy name of 3DES (SP 800-78).
        let named = p1 == 0x00 ? SymmetricAlgorithm.tripleDES : SymmetricAlgorithm(rawValue: p1)
        guard named == key.algorithm else { return .refused(.incorrectP1P2) }
        let size = key.algorithm.blockByteCount
        let witness = items.first(0x80)?.value
        let challenge = items.first(0x81)?.value
        let response = items.first(0x82)?.value
        do {
            switch (witness, challenge, response) {
            case (.some([]), nil, nil):
                let plain = random.bytes(size)
                let encrypted = try BlockCipher.encrypt(key.algorithm, key: key.key, block: plain)
                return .respond(TLV(0x7C, children: [TLV(0x80, encrypted)]).encoded, pending: .mutual(witness: plain))
            // The second mutual step may ask for the answer with an empty 82, as pt2 App. A.2's example does;
            // libykpiv and OpenSC leave it out.
            case (.some(let returned), .some(let hostChallenge), let request)
                where !returned.isEmpty && (request == nil || request == []):
                guard case .mutual(let expected)? = pending else { return .refused(.conditionsOfUseNotSatisfied) }
                guard returned.count == size, hostChallenge.count == size, ConstantTime.equals(returned, expected)
                else { return .refused(.securityStatusNotSatisfied) }
                let answer = try BlockCipher.encrypt(key.algorithm, key: key.key, block: hostChallenge)
                return .authenticated(TLV(0x7C, children: [TLV(0x82, answer)]).encoded)
            case (nil, .some([]), nil):
                let plain = random.bytes(size)
                return .respond(TLV(0x7C, children: [TLV(0x81, plain)]).encoded, pending: .external(challenge: plain))
            case (nil, nil, .some(let answer)) where !answer.isEmpty:
                guard case .external(let expected)? = pending else { return .refused(.conditionsOfUseNotSatisfied) }
                guard answer.count == size else { return .refused(.securityStatusNotSatisfied) }
                let decrypted = try BlockCipher.decrypt(key.algorithm, key: key.key, block: answer)
                return ConstantTime.equals(decrypted, expected) ? .authenticated([]) : .refused(.securityStatusNotSatisfied)
            default:
                return .refused(.incorrectData)
            }
        } catch {
            return .refused(.noPreciseDiagnosis)
        }
    }
}
