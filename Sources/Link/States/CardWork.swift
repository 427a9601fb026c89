/// What the card is doing, as the peripheral machine tracks it. It outlives connections: a request handed to the
/// card keeps the card busy after the link that brought it is gone.
enum CardWork: Sendable {
    case idle
    /// The card works on `request` for transaction `transaction` of the current connection.
    case answering(Answering)
    /// The card works on a request whose connection is gone; its answer will be dropped.
    case orphaned(request: LinkMessage)

    struct Answering: Sendable {
        let request: LinkMessage
        let transaction: UInt8
        /// When the next KEEPALIVE is due.
        var keepaliveDue: Duration
        /// CANCEL came for this request, and the card was told once.
        var cancelled: Bool
    }

    /// The request the card is working on, if any.
    var request: LinkMessage? {
        switch self {
        case .idle: nil
        case .answering(let answering): answering.request
        case .orphaned(let request): request
        }
    }
}
