/// A 10-minute window of Unix time, numbered from the epoch; each has its own advertising token.
///
/// The card advertises the token of its current slot; a station accepts the slot before and after its own
/// too, so clocks up to one slot apart still meet (docs/pairing-protocol.md, "Private advertising").
public struct AdvertisingSlot: Hashable, Sendable {
    public static let lengthInSeconds: Int64 = 600

    public let index: UInt64

    public init(index: UInt64) {
        self.index = index
    }

    /// The slot holding this Unix time (seconds since 1970-01-01 UTC); times before 1970 are slot 0.
    public init(unixTime seconds: Int64) {
        index = seconds < 0 ? 0 : UInt64(seconds / Self.lengthInSeconds)
    }

    /// This slot and its neighbours, earliest first, with their offsets from this one (−1, 0, +1); at the ends
    /// of the numbering the missing neighbour is left out.
    var withNeighbours: [(slot: AdvertisingSlot, offset: Int)] {
        var slots: [(slot: AdvertisingSlot, offset: Int)] = []
        if index > 0 { slots.append((AdvertisingSlot(index: index - 1), -1)) }
        slots.append((self, 0))
        if index < UInt64.max { slots.append((AdvertisingSlot(index: index + 1), 1)) }
        return slots
    }
}
