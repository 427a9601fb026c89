/// A PIV key reference that can hold an asymmetric key (SP 800-73-5 pt1 key references, plus YubiKey's F9).
public struct KeySlot: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let reference: UInt8

    /// nil unless `reference` names an asymmetric key slot this card serves.
    public init?(_ reference: UInt8) {
        guard Self.all.contains(reference) else { return nil }
        self.reference = reference
    }

    private init(known reference: UInt8) { self.reference = reference }

    public static let authentication = KeySlot(known: 0x9A)
    public static let signature = KeySlot(known: 0x9C)
    public static let keyManagement = KeySlot(known: 0x9D)
    public static let cardAuthentication = KeySlot(known: 0x9E)
    /// YubiKey's attestation key, which signs ATTEST answers and nothing else.
    public static let attestation = KeySlot(known: 0xF9)
    public static let retired: [KeySlot] = (0x82...0x95).map { KeySlot(known: $0) }

    private static let all: Set<UInt8> = {
        var references: Set<UInt8> = [0x9A, 0x9C, 0x9D, 0x9E, 0xF9]
        references.formUnion(0x82...0x95)
        return references
    }()

    /// Slots in the order tools list them: 9A, 9C, 9D, 9E, 82…95, F9.
    public static let allSlots: [KeySlot] = {
        let primary: [KeySlot] = [.authentication, .signature, .keyManagement, .cardAuthentication]
        return primary + retired + [.attestation]
    }()

    /// The data object that holds this slot's certificate (pt1 Table 3; YubiKey's 5FFF01 for F9).
    public var certificateObject: UInt32 {
        switch reference {
        case 0x9A: 0x5FC105
        case 0x9C: 0x5FC10A
        case 0x9D: 0x5FC10B
        case 0x9E: 0x5FC101
        case 0xF9: 0x5FFF01
        default: 0x5FC10D + UInt32(reference - 0x82)
        }
    }

    /// The PIN policy a key gets when whoever puts it there does not say (SP 800-73 security conditions).
    public var defaultPINPolicy: PINPolicy {
        switch reference {
        case 0x9C: .always
        case 0x9E, 0xF9: .never
        default: .once
        }
    }

    public var description: String { String(reference, radix: 16) }

    public static func < (lhs: KeySlot, rhs: KeySlot) -> Bool {
        allSlots.firstIndex(of: lhs)! < allSlots.firstIndex(of: rhs)!
    }
}

/// When a key needs the PIN (YubiKey numbering, as GENERATE/IMPORT tag AA and GET METADATA use it).
public enum PINPolicy: UInt8, Sendable, Codable {
    case never = 0x01
    /// Once per PIN-verified session.
    case once = 0x02
    /// A VERIFY immediately before every use (SP 800-73's "PIN Always").
    case always = 0x03
}

/// Where a key came from, as GET METADATA reports it.
public enum KeyOrigin: UInt8, Sendable, Codable {
    case generated = 0x01
    case imported = 0x02
}
