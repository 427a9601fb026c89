import FuzzSupport

/// The card fuzzer's input: a mode byte, then records of `flags u8 ‖ length u16 big-endian ‖ APDU`.
///
/// The mode lets short inputs start deep: from a card that already holds keys and objects, with the management
/// key authenticated and the PIN verified by real APDUs first (the fuzzer cannot compute a 3DES answer itself).
/// A record's flags put session events before its APDU. A last record cut short keeps the bytes it has.
struct CardFuzzInput {
    struct Mode: OptionSet {
        let rawValue: UInt8
        /// Start from `StartingStates.provisioned` instead of a new credential.
        static let provisioned = Mode(rawValue: 0x01)
        /// Mutual authentication with the default management key before the records.
        static let authenticateManagementKey = Mode(rawValue: 0x02)
        /// VERIFY with the default PIN before the records (after the authentication, if both).
        static let verifyPIN = Mode(rawValue: 0x04)
        /// Let one RSA-2048 GENERATE of the input through; every other RSA GENERATE is refused by the harness
        /// (see `CardFuzzRun`), since a keygen costs as much as thousands of other runs.
        static let allowRSAKeyGeneration = Mode(rawValue: 0x08)
    }

    struct Record {
        struct Flags: OptionSet {
            let rawValue: UInt8
            /// Power-off, reset or removal before the APDU: `PIVCard.endSession()`.
            static let endSession = Flags(rawValue: 0x01)
            /// The idle timeout passes before the APDU.
            static let idle = Flags(rawValue: 0x02)
            /// Every save the card attempts for this APDU fails (a full disk): it must answer 6581 and change nothing.
            static let failingSaves = Flags(rawValue: 0x04)
        }

        var flags: Flags
        var apdu: [UInt8]
    }

    var mode: Mode
    var records: [Record]

    init(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        mode = Mode(rawValue: reader.byte())
        var records: [Record] = []
        while !reader.isAtEnd {
            let flags = Record.Flags(rawValue: reader.byte())
            records.append(Record(flags: flags, apdu: reader.bytes(upTo: reader.uint16())))
        }
        self.records = records
    }
}
