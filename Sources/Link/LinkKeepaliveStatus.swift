/// The one-byte body of a KEEPALIVE: what the card is doing while the station waits. A struct over the raw byte
/// so that a status a later version adds still decodes; a station treats any status as "still working".
public struct LinkKeepaliveStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `01`: the card is processing the request.
    public static let processing = LinkKeepaliveStatus(rawValue: 0x01)
}
