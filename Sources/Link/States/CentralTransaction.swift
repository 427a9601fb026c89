/// The station's one request in flight.
struct CentralTransaction: Sendable {
    let request: LinkMessage
    /// The id of the latest attempt; a BUSY retry gets a new one, so a late answer to an old attempt is stale.
    var transaction: UInt8
    /// When the card must next be heard from (keepalive or a fragment of its answer).
    var answerDeadline: Duration
    /// When the request fails whatever the card says: keepalives do not move this.
    let finalDeadline: Duration

    /// The earlier of the two deadlines.
    var deadline: Duration { min(answerDeadline, finalDeadline) }
}
