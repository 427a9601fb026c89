/// Cuts frames into fragments of at most `fragmentSize` bytes: one initial fragment, then as many continuation
/// fragments as the payload needs, each as full as it can be.
public struct LinkFragmenter: Sendable {
    public let fragmentSize: Int

    /// - Parameter fragmentSize: 20…512, as `LinkFragment.size(forMTU:)` or `LinkInfo.fragmentSize(forMTU:)`
    ///   computes it; another size is a bug in the caller and traps.
    public init(fragmentSize: Int) {
        precondition(
            (LinkFragment.minimumSize...LinkFragment.maximumSize).contains(fragmentSize),
            "fragment size \(fragmentSize) outside \(LinkFragment.minimumSize)...\(LinkFragment.maximumSize)"
        )
        self.fragmentSize = fragmentSize
    }

    /// How many fragments a payload of `length` bytes takes.
    public func fragmentCount(payloadLength length: Int) -> Int {
        let initialData = fragmentSize - LinkFragment.initialHeaderLength
        let continuationData = fragmentSize - LinkFragment.continuationHeaderLength
        let rest = max(0, length - initialData)
        return 1 + (rest + continuationData - 1) / continuationData
    }

    /// The fragments of `frame`, in sending order. Throws `.messageTooLong` for a payload over 0xFFFF bytes. The
    /// command must have its high bit set (every `LinkCommand` of the protocol has); one without is a bug in the
    /// caller and traps.
    public func fragments(_ frame: LinkFrame) throws(LinkError) -> [[UInt8]] {
        precondition(LinkFragment.isInitial(frame.command.rawValue), "\(frame.command) lacks the initial-fragment bit")
        let payload = frame.payload
        guard payload.count <= LinkFrame.maximumPayloadLength else {
            throw LinkError(.messageTooLong, "a \(payload.count)-byte payload is over the 65535 bytes a length field can say")
        }
        let initialEnd = min(payload.count, fragmentSize - LinkFragment.initialHeaderLength)
        var fragments: [[UInt8]] = [
            [frame.command.rawValue, frame.transaction, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
                + payload[0..<initialEnd]
        ]
        fragments.reserveCapacity(fragmentCount(payloadLength: payload.count))
        let continuationData = fragmentSize - LinkFragment.continuationHeaderLength
        var sequence = 0
        for start in stride(from: initialEnd, to: payload.count, by: continuationData) {
            let end = min(payload.count, start + continuationData)
            fragments.append([UInt8(sequence)] + payload[start..<end])
            sequence = (sequence + 1) % LinkFragment.sequenceModulus
        }
        return fragments
    }
}
