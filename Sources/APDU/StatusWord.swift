/// An ISO 7816-4 status word (SW1 SW2), the card's answer to every command.
public struct StatusWord: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt16

    public init(_ value: UInt16) { self.value = value }
    public init(sw1: UInt8, sw2: UInt8) { self.value = UInt16(sw1) << 8 | UInt16(sw2) }

    public var sw1: UInt8 { UInt8(value >> 8) }
    public var sw2: UInt8 { UInt8(value & 0xFF) }
    public var bytes: [UInt8] { [sw1, sw2] }

    public static let success = StatusWord(0x9000)
    /// 6581: the card could not make a change durable; nothing changed.
    public static let memoryFailure = StatusWord(0x6581)
    public static let wrongLength = StatusWord(0x6700)
    /// 6883: a chained command ended with something other than its last link.
    public static let lastCommandOfChainExpected = StatusWord(0x6883)
    public static let securityStatusNotSatisfied = StatusWord(0x6982)
    public static let authenticationMethodBlocked = StatusWord(0x6983)
    public static let conditionsOfUseNotSatisfied = StatusWord(0x6985)
    public static let incorrectData = StatusWord(0x6A80)
    public static let functionNotSupported = StatusWord(0x6A81)
    public static let fileNotFound = StatusWord(0x6A82)
    public static let notEnoughMemory = StatusWord(0x6A84)
    public static let incorrectP1P2 = StatusWord(0x6A86)
    public static let referenceNotFound = StatusWord(0x6A88)
    public static let wrongP1P2 = StatusWord(0x6B00)
    public static let instructionNotSupported = StatusWord(0x6D00)
    public static let classNotSupported = StatusWord(0x6E00)
    public static let noPreciseDiagnosis = StatusWord(0x6F00)

    /// 61xx: `count` more bytes wait for GET RESPONSE (xx = 00 means 256 or more).
    public static func bytesRemaining(_ count: Int) -> StatusWord {
        StatusWord(sw1: 0x61, sw2: count >= 256 ? 0x00 : UInt8(count))
    }

    /// 63Cx: verification failed, `triesLeft` attempts remain (capped at 15 by the encoding).
    public static func verificationFailed(triesLeft: Int) -> StatusWord {
        StatusWord(sw1: 0x63, sw2: 0xC0 | UInt8(min(max(triesLeft, 0), 15)))
    }

    public var description: String {
        let hex = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - hex.count) + hex
    }
}
