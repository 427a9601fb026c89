/// The 10 bytes a card advertises for one slot: what only its paired stations can tell apart from noise.
public struct AdvertisingToken: Hashable, Sendable, CustomStringConvertible {
    /// What fits in a 31-byte legacy advertisement beside the flags and the 128-bit service UUID
    /// (`PrivateAdvertisement`).
    public static let byteCount = 10

    public let bytes: [UInt8]

    public init(bytes: [UInt8]) throws(PairingError) {
        guard bytes.count == Self.byteCount else {
            throw PairingError(.invalidAdvertisement, "an advertising token has \(Self.byteCount) bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    public var description: String { HexText.encode(bytes) }
}
