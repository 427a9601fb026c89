/// Reassembles vpcd messages from a TCP byte stream delivered in chunks of any size, down to one byte.
///
/// It buffers at most one partial frame (2 + 0xFFFF bytes), so its memory is bounded whatever the peer
/// sends. A frame of length 0 is an error: vpcd never sends one (it does not even send its own 0-length
/// APDUs) and treats receiving one as a dead card, so such a stream is not vpcd's. After an error the decoder
/// stays failed and every later call throws the same error.
public struct VPCDFrameDecoder {
    private var header: [UInt8] = []
    private var expectedLength: Int?
    private var payload: [UInt8] = []
    private var failure: VPCDError?

    public init() {}

    /// True while part of a frame has arrived but not all of it.
    public var hasPartialMessage: Bool {
        !header.isEmpty || expectedLength != nil
    }

    /// Consumes `bytes` and hands every message they complete to `deliver`, in order. On an invalid frame,
    /// the messages completed before it have been delivered, and then this throws.
    public mutating func decode(
        _ bytes: some Collection<UInt8>,
        deliver: (VPCDMessage) -> Void
    ) throws(VPCDError) {
        if let failure {
            throw failure
        }
        var index = bytes.startIndex
        while index != bytes.endIndex {
            guard let expectedLength else {
                header.append(bytes[index])
                index = bytes.index(after: index)
                if header.count == VPCDFrame.headerLength {
                    try startPayload(length: Int(header[0]) << 8 | Int(header[1]))
                }
                continue
            }
            let wanted = expectedLength - payload.count
            let end = bytes.index(index, offsetBy: wanted, limitedBy: bytes.endIndex) ?? bytes.endIndex
            payload.append(contentsOf: bytes[index..<end])
            index = end
            if payload.count == expectedLength {
                let message = VPCDMessage(nonEmptyPayload: payload)
                self.expectedLength = nil
                payload = []
                deliver(message)
            }
        }
    }

    private mutating func startPayload(length: Int) throws(VPCDError) {
        header.removeAll(keepingCapacity: true)
        guard length > 0 else {
            let error = VPCDError(.zeroLengthMessage, "vpcd peer sent a 0-length message, which vpcd never sends")
            failure = error
            throw error
        }
        expectedLength = length
        payload.reserveCapacity(length)
    }
}
