/// The station's transaction ids: 1, 2, … 255, 1, … 0 is never handed out; it means "no transaction" on the wire.
/// The counter survives reconnects, so an answer from before one cannot carry the id of a request after it
/// unless 255 requests came in between.
struct LinkTransactionIDs: Sendable {
    private var next: UInt8 = 1

    mutating func allocate() -> UInt8 {
        defer { next = next == UInt8.max ? 1 : next + 1 }
        return next
    }
}
