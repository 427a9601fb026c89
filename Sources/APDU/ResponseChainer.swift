/// Splits long answers into 61xx / GET RESPONSE pieces (ISO 7816-4 §5.3.4).
///
/// Short commands get at most 256 bytes per response whatever their Le: OpenSC 0.23 asks for 8 bytes first and
/// expects the whole object back (research/piv-apdu-trace.txt). An extended Le lets the whole answer through.
public struct ResponseChainer: Sendable {
    private var remaining: [UInt8] = []
    private var finalStatus = StatusWord.success
    private var isPending = false

    public init() {}

    public var hasPending: Bool { isPending }

    public mutating func discard() {
        remaining = []
        isPending = false
    }

    /// The first piece of `response`; the rest waits for GET RESPONSE.
    public mutating func begin(_ response: ResponseAPDU, le: Int?) -> ResponseAPDU {
        remaining = response.data
        finalStatus = response.status
        isPending = true
        return next(le: le)
    }

    /// The next piece, or `nil` when nothing is pending.
    public mutating func getResponse(le: Int?) -> ResponseAPDU? {
        guard isPending else { return nil }
        return next(le: le)
    }

    private mutating func next(le: Int?) -> ResponseAPDU {
        let limit = max(256, le ?? 256)
        if remaining.count <= limit {
            let last = ResponseAPDU(data: remaining, status: finalStatus)
            discard()
            return last
        }
        let piece = Array(remaining.prefix(limit))
        remaining.removeFirst(limit)
        return ResponseAPDU(data: piece, status: .bytesRemaining(remaining.count))
    }
}
