/// The fragment layer's fixed numbers (docs/link-protocol.md, "Fragments").
///
/// An initial fragment is `CMD(high bit set) TXID LEN_HI LEN_LO DATA…`; a continuation fragment is
/// `SEQ(0…7F) DATA…`, with SEQ counting 0, 1, … 7F, 0, … from the first continuation of each message.
public enum LinkFragment {
    /// CMD, TXID and the 16-bit length.
    public static let initialHeaderLength = 4
    /// SEQ.
    public static let continuationHeaderLength = 1
    /// The ATT header of a write or notification (opcode and handle) that the MTU also counts.
    public static let attHeaderLength = 3
    /// Every BLE link's ATT MTU is at least this.
    public static let minimumMTU = 23
    /// The fragment size at the minimum MTU.
    public static let minimumSize = minimumMTU - attHeaderLength
    /// An attribute value never exceeds 512 bytes, whatever the MTU.
    public static let maximumSize = 512
    /// Sequence numbers are 7 bits; they wrap from 7F to 00.
    static let sequenceModulus = 0x80

    /// min(MTU − 3, 512): the most a write or notification carries on a link with this ATT MTU.
    public static func size(forMTU mtu: Int) throws(LinkError) -> Int {
        guard mtu >= minimumMTU else {
            throw LinkError(.mtuTooSmall, "an ATT MTU of \(mtu) is below the BLE minimum of \(minimumMTU)")
        }
        return min(mtu - attHeaderLength, maximumSize)
    }

    /// True for the first byte of an initial fragment.
    static func isInitial(_ firstByte: UInt8) -> Bool { firstByte & 0x80 != 0 }
}
