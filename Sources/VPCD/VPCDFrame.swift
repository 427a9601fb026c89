/// The vpcd wire framing: every message, in both directions, is a big-endian u16 length followed by that
/// many payload bytes (vsmartcard `vpcd.c` `sendToVICC`/`recvFromVICC`).
public enum VPCDFrame {
    /// Bytes of the length prefix.
    public static let headerLength = 2
    /// The largest payload the u16 length can describe.
    public static let maximumPayloadLength = 0xFFFF

    /// Frames `payload`. Refuses an empty payload (vpcd reads a 0-length reply as a dead card and ejects it)
    /// and one longer than `maximumPayloadLength`.
    public static func encode(_ payload: [UInt8]) throws(VPCDError) -> [UInt8] {
        guard !payload.isEmpty else {
            throw VPCDError(.emptyPayload, "refusing to send an empty vpcd message: vpcd would eject the card")
        }
        guard payload.count <= maximumPayloadLength else {
            throw VPCDError(
                .payloadTooLong,
                "refusing to send a \(payload.count)-byte vpcd message: the limit is \(maximumPayloadLength)"
            )
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(headerLength + payload.count)
        frame.append(UInt8(truncatingIfNeeded: payload.count >> 8))
        frame.append(UInt8(truncatingIfNeeded: payload.count))
        frame.append(contentsOf: payload)
        return frame
    }
}
