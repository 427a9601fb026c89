/// The journal's `MESSAGE_ID=` of an event that tools and admins look for (`journalctl MESSAGE_ID=…`): a fixed
/// 128-bit id per kind of event, made once with `systemd-id128 new` and never changed. README.md ("Logs") lists
/// them.
public struct JournalMessageID: Hashable, Sendable, CustomStringConvertible {
    /// 32 lower-case hex digits, the form journalctl prints and matches.
    public let hex: String

    private init(_ hex: StaticString) {
        self.hex = hex.description
    }

    /// The station's link to the card came up (connected, subscribed, info read).
    public static let linkUp = JournalMessageID("891d96c7a9134a06b1230b9b97a65ad0")
    /// The station's link to the card went down (lost, refused, or the station stopping).
    public static let linkDown = JournalMessageID("1b6224fe8e1948f5825207d65a643633")
    /// The card was presented to pcscd (vpcd connected: PC/SC sees a card inserted).
    public static let cardInserted = JournalMessageID("004ad21bfd1d4101883f84b69dd35826")
    /// The card was taken out of pcscd (vpcd closed: PC/SC sees the card removed).
    public static let cardRemoved = JournalMessageID("062a47d2f401456085595aa73a3890b0")
    /// A session was locked because the phone went away (the walk-away lock).
    public static let sessionLocked = JournalMessageID("803a264b0cc247dd9d665b5dcb4d085e")
    /// The link's authenticated round trip went over the ceiling (`proximity.rtt_ceiling`): it may be relayed,
    /// and the phone is not taken as near.
    public static let roundTripSlow = JournalMessageID("b595d56709a04b94a2b04e2fcfa5925b")
    /// The link's round trip is back within the ceiling.
    public static let roundTripRecovered = JournalMessageID("ab0325c3e44f427bab9996a862f5d368")

    public var description: String { hex }
}
