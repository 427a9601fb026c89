import APDU
import CardCrypto
import X509

/// What `pivlink-card status` shows: identity, keys, certificates and counters — never a secret.
public struct CardStatus: Sendable {
    public struct Slot: Sendable {
        public let slot: KeySlot
        public let algorithm: AsymmetricAlgorithm
        public let origin: KeyOrigin
        public let pinPolicy: PINPolicy
        /// The subject of the slot's certificate, if the card holds one that parses.
        public let certificateSubject: String?
    }

    public let serial: UInt32
    /// The CHUID GUID as a UUID string; OpenSC uses it as the PKCS#11 token serial.
    public let guid: String?
    public let pin: ReferenceData
    public let puk: ReferenceData
    public let managementKeyAlgorithm: SymmetricAlgorithm
    public let managementKeyIsDefault: Bool
    public let slots: [Slot]

    public init(_ state: CardState) {
        serial = state.serial
        guid = Self.guid(in: state.objects[DataObject.chuid])
        pin = state.pin
        puk = state.puk
        managementKeyAlgorithm = state.managementKey.algorithm
        managementKeyIsDefault = state.managementKey.isDefault
        slots = state.keys.keys.sorted().compactMap { slot in
            guard let key = state.keys[slot] else { return nil }
            return Slot(slot: slot, algorithm: key.algorithm, origin: key.origin, pinPolicy: key.pinPolicy,
                        certificateSubject: Self.subject(in: state.objects[slot.certificateObject]))
        }
    }

    private static func guid(in chuid: [UInt8]?) -> String? {
        guard let chuid, let bytes = try? TLV.parseSequence(chuid).first(0x34)?.value, bytes.count == 16 else {
            return nil
        }
        let digits: [String] = bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }
        let groups: [ArraySlice<String>] = [digits[0..<4], digits[4..<6], digits[6..<8], digits[8..<10], digits[10..<16]]
        return groups.map { $0.joined() }.joined(separator: "-")
    }

    private static func subject(in object: [UInt8]?) -> String? {
        guard let object, let der = try? TLV.parseSequence(object).first(0x70)?.value,
              let certificate = try? Certificate(derEncoded: der)
        else { return nil }
        return certificate.subject.description
    }
}
