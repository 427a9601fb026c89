import CardCrypto
import APDU

/// The contents of the objects a new credential starts with.
enum ObjectTemplates {
    static let pivAID: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00]

    /// Discovery: the PIV AID and PIN usage policy 40 00 — application PIN only, no global PIN, no OCC, no VCI
    /// (the only value SP 800-157r1 App. B allows for a token without VCI).
    static let discovery: [UInt8] = [
        0x4F, 0x0B,
    ] + pivAID + [0x5F, 0x2F, 0x02, 0x40, 0x00]

    /// A FASC-N of all nines ("9999" agency code): the non-government value that makes OpenSC take the token
    /// serial from the GUID instead (card-piv.c piv_get_serial_nr_from_CHUI).
    private static let nonGovernmentFASCN: [UInt8] = [
        0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83, 0x68,
        0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB,
    ]

    /// CHUID with the credential's GUID and an expiry date (YYYYMMDD); the signature is left empty because
    /// the device cannot sign as a CHUID signer (an issuer may PUT a signed one).
    static func chuid(guid: [UInt8], expiry: String) -> [UInt8] {
        let items: [TLV] = [
            TLV(0x30, nonGovernmentFASCN),
            TLV(0x34, guid),
            TLV(0x35, Array(expiry.utf8)),
            TLV(0x3E, []),
            TLV(0xFE, []),
        ]
        return items.flatMap(\.encoded)
    }

    /// CCC with a random card identifier after the RID-based prefix yubico-piv-tool writes (lib/util.c CCC_TMPL).
    static func cardCapabilityContainer(cardIdentifier: [UInt8]) -> [UInt8] {
        let prefix: [UInt8] = [0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02]
        var items: [TLV] = [TLV(0xF0, prefix + cardIdentifier)]
        items.append(TLV(0xF1, [0x21]))
        items.append(TLV(0xF2, [0x21]))
        items.append(TLV(0xF3, []))
        items.append(TLV(0xF4, [0x00]))
        items.append(TLV(0xF5, [0x10]))
        let emptyTags: [UInt32] = [0xF6, 0xF7, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE]
        items += emptyTags.map { TLV($0, []) }
        return items.flatMap(\.encoded)
    }

    /// Key History for the retired keys whose certificates are on the card; OpenSC reads retired certificates
    /// only when this says they exist.
    static func keyHistory(onCardCertificates: Int) -> [UInt8] {
        let items: [TLV] = [TLV(0xC1, [UInt8(onCardCertificates)]), TLV(0xC2, [0x00]), TLV(0xFE, [])]
        return items.flatMap(\.encoded)
    }

    /// A random RFC 4122 version 4 UUID, the GUID that makes each credential a distinct PKCS#11 token.
    static func guid(random: some RandomSource) -> [UInt8] {
        var bytes = random.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        return bytes
    }

    /// A certificate as PIV keeps it: 70 certificate, 71 CertInfo 00 (not compressed), FE error detection code.
    static func certificateObject(_ der: [UInt8]) -> [UInt8] {
        let items: [TLV] = [TLV(0x70, der), TLV(0x71, [0x00]), TLV(0xFE, [])]
        return items.flatMap(\.encoded)
    }
}
