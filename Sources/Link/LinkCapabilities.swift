/// The capability bits of the info characteristic (u32, big-endian). Version 1 defines none: a version-1 card
/// sends 0. Later versions add bits (the secure channel first); a reader keeps the bits it does not know, and
/// ignores them, so an old station still talks to a newer card in the versions they share.
public struct LinkCapabilities: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }
}
