import APDU

/// Which card answers depend only on the credential's public state, so that the station may give them again
/// from a cache instead of sending the command over the radio.
///
/// The rules follow SP 800-73-5 pt2 and the YubiKey extensions as `PIVCard` implements them:
///
/// - SELECT, of any AID: the card answers the same application property template for every accepted form of
///   the PIV AID, and 6A82 for every other AID; SELECT keeps PIV selected and its security state as it was
///   (pt2 §3.1.1; research/piv.md §5), so not sending it changes nothing on the card.
/// - GET DATA of any object but the PIN-protected ones (fingerprints, facial image, printed information,
///   iris): the answer is the object or 6A82, both public state. A PIN-protected object's answer depends on
///   the security state (6982 until the PIN is verified), so it is cached only as the 6982 the card gives
///   while the PIN is known not to be verified.
/// - GET VERSION and GET SERIAL; GET METADATA of key slots (their public halves and policies). Not of the PIN
///   and PUK (80, 81: retries left) nor of the management key (9B).
/// - ATTEST of a slot without a key (6A88); a real attestation is made anew, with a fresh serial, every time.
/// - Any other instruction only once the card answered it 6D00 (not supported), and any class it answered 6E00:
///   OpenSC's other drivers probe with such commands in every process.
///
/// Everything else goes to the card: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, GENERAL AUTHENTICATE
/// and the writes, GET RESPONSE (unless the station itself is answering the chain), and every link of a command
/// chain. The writes also invalidate what was cached.
public enum CachePolicy {
    /// How the answer to one command may be cached.
    public enum Rule: Hashable, Sendable {
        /// Never: the answer depends on secrets or the security state, or the command changes the card.
        case never
        /// Any stable answer (see `isStable`).
        case always
        /// Only the card's 6982 while the PIN is known not to be verified (a PIN-protected object).
        case whileUnverified
        /// Only these status words, which say the card did nothing (no such key, no such instruction).
        case onlyStatus(Set<StatusWord>)
    }

    /// The objects whose read rule is "PIN" (SP 800-73-5 pt1 Table 3): 5FC103, 5FC108, 5FC109, 5FC121.
    public static let pinProtectedObjects: Set<UInt32> = [0x5FC103, 0x5FC108, 0x5FC109, 0x5FC121]

    /// Instructions that change what the card holds: PUT DATA, GENERATE, IMPORT, SET MGMKEY, RESET, MOVE KEY.
    /// Sending one drops the cache.
    public static let writeInstructions: Set<UInt8> = [0xDB, 0x47, 0xFE, 0xFF, 0xFB, 0xF6]

    /// Instructions the card implements that are never cached: the PIN, PUK and management-key operations,
    /// GET RESPONSE, SET PIN RETRIES, and the writes.
    static let uncachedInstructions: Set<UInt8> = writeInstructions.union([0x20, 0x24, 0x2C, 0x87, 0xC0, 0xFA])

    static let referenceNotFound = StatusWord(0x6A88)

    /// The rule for `command` (as parsed from `bytes`).
    public static func rule(for command: CommandAPDU) -> Rule {
        if command.isChainContinuation { return .never }
        guard command.cla == 0x00 else { return .onlyStatus([.classNotSupported]) }
        switch command.ins {
        case 0xA4, 0xFD, 0xF8:
            return .always
        case 0xCB:
            return namesPINProtectedObject(command.data) ? .whileUnverified : .always
        case 0xF7:
            return [0x80, 0x81, 0x9B].contains(command.p2) ? .never : .always
        case 0xF9:
            return .onlyStatus([referenceNotFound])
        case let ins where uncachedInstructions.contains(ins):
            return .never
        default:
            return .onlyStatus([.instructionNotSupported])
        }
    }

    /// Answers that do not depend on a passing condition of the card: success, and the refusals of a malformed
    /// or unknown request (67, 6A, 6B, 6D, 6E). Execution errors (64, 65, 6F) and 6985 are never cached.
    public static func isStable(_ status: StatusWord) -> Bool {
        status == .success || [0x67, 0x6A, 0x6B, 0x6D, 0x6E].contains(status.sw1)
    }

    /// True when GET DATA's tag list may name a PIN-protected object. Leans to yes: a tag list this cannot
    /// read counts as naming one if the bytes of such a tag appear in it anywhere.
    static func namesPINProtectedObject(_ tagList: [UInt8]) -> Bool {
        if let items = try? TLV.parseSequence(tagList), items.allSatisfy({ $0.tag == 0x5C && $0.value.count <= 3 }) {
            return items.contains { pinProtectedObjects.contains($0.value.reduce(0) { $0 << 8 | UInt32($1) }) }
        }
        return pinProtectedObjects.contains { tag in
            let bytes: [UInt8] = [UInt8(tag >> 16), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF)]
            return tagList.count >= 3 && (0...(tagList.count - 3)).contains { Array(tagList[$0..<$0 + 3]) == bytes }
        }
    }
}
