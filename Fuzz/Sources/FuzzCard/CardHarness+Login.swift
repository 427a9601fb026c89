import APDU
import CardCrypto
import FuzzSupport
import PIVCard

/// The logins a fuzz run can start with, done with real APDUs and checked like any other.
extension CardHarness {
    static let verifyDefaultPIN: [UInt8] = [0x00, 0x20, 0x00, 0x80, 0x08] + ReferenceValue.padded(ReferenceValue.defaultPIN)

    /// Mutual authentication with the default 3DES management key (SP 800-73-5 pt2 App. A.1).
    func authenticateManagementKey() {
        let key = CardProvisioning.defaultManagementKey
        let algorithm = CardProvisioning.defaultManagementKeyAlgorithm
        let first = expectSuccess(Self.generalAuthenticate(TLV(0x7C, children: [TLV(0x80, [])])), "witness request")
        guard let encrypted = Self.item(0x80, in: first),
              let witness = try? BlockCipher.decrypt(algorithm, key: key, block: encrypted)
        else {
            invariant(false, "no 8-byte witness in \(first.hex)")
            return
        }
        let challenge = random.bytes(algorithm.blockByteCount)
        let second = expectSuccess(
            Self.generalAuthenticate(TLV(0x7C, children: [TLV(0x80, witness), TLV(0x81, challenge)])), "witness answer")
        let expected = try? BlockCipher.encrypt(algorithm, key: key, block: challenge)
        invariant(expected != nil && Self.item(0x82, in: second) == expected, "the card's answer \(second.hex) is not E(challenge)")
    }

    func verifyDefaultPIN() {
        expectSuccess(Self.verifyDefaultPIN, "VERIFY of the default PIN")
    }

    /// Sends `apdu`, which must succeed, and returns the answer's data, fetched with GET RESPONSE if long.
    @discardableResult
    func expectSuccess(_ apdu: [UInt8], _ what: String) -> [UInt8] {
        var response = send(apdu)
        var data: [UInt8] = []
        while response.count >= 2, response[response.count - 2] == 0x61 {
            data += response.dropLast(2)
            let le = Int(response[response.count - 1])
            response = send(CommandAPDU(ins: 0xC0, p1: 0x00, p2: 0x00, le: le == 0 ? 256 : le).serialized())
        }
        invariant(Array(response.suffix(2)) == StatusWord.success.bytes, "\(what) \(apdu.hex) answered \(response.hex)")
        return data + response.dropLast(2)
    }

    private static func generalAuthenticate(_ template: TLV) -> [UInt8] {
        CommandAPDU(ins: 0x87, p1: CardProvisioning.defaultManagementKeyAlgorithm.rawValue, p2: 0x9B,
                    data: template.encoded).serialized()
    }

    private static func item(_ tag: UInt32, in data: [UInt8]) -> [UInt8]? {
        guard let template = try? TLV.parseSequence(data), template.count == 1, template[0].tag == 0x7C else { return nil }
        return (try? template[0].children())?.first(tag)?.value
    }
}
