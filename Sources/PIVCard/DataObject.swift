/// PIV data objects by tag (SP 800-73-5 pt1 Table 3) and the rules this card applies to them.
public enum DataObject {
    public static let discovery: UInt32 = 0x7E
    public static let biometricGroupTemplate: UInt32 = 0x7F61
    public static let cardCapabilityContainer: UInt32 = 0x5FC107
    public static let chuid: UInt32 = 0x5FC102
    public static let securityObject: UInt32 = 0x5FC106
    public static let keyHistory: UInt32 = 0x5FC10C
    public static let printedInformation: UInt32 = 0x5FC109
    /// YubiKey's attestation certificate (the F9 slot's certificate object).
    public static let attestationCertificate: UInt32 = 0x5FFF01

    /// Objects whose contact read rule is "PIN" (fingerprints, facial image, printed information, iris).
    static let pinProtected: Set<UInt32> = [0x5FC103, 0x5FC108, 0x5FC109, 0x5FC121]

    /// The largest object PUT DATA accepts. The Security Object must hold at least 3000 bytes (SP 800-157r1
    /// App. B) and certificates with long chains of extensions run past 2 KiB.
    static let maximumSize = 16 * 1024

    /// Tags PUT DATA may write: the PIV objects 5FC101…5FC123, Discovery, the BIT group template, and YubiKey's
    /// vendor range 5FFF00…5FFF15 that yubico-piv-tool uses for its admin data and attestation certificate.
    static func isWritable(_ tag: UInt32) -> Bool {
        (0x5FC101...0x5FC123).contains(tag) || tag == discovery || tag == biometricGroupTemplate
            || (0x5FFF00...0x5FFF15).contains(tag)
    }

    /// The outer tag of GET DATA answers: Discovery and the BIT group are their own templates, the rest are 53.
    static func responseTag(for tag: UInt32) -> UInt32 {
        tag == discovery || tag == biometricGroupTemplate ? tag : 0x53
    }
}
