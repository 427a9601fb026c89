/// What the station's shell does after a call into `LinkCentralStateMachine`, in order.
public enum LinkCentralAction: Hashable, Sendable {
    /// Write these fragments to the request characteristic, in order (write without response).
    case send([[UInt8]])
    /// The card's final answer to the request: its response message, never an ERROR (those come as `.fail`).
    case deliver(LinkMessage)
    /// The card is still working on the request (a KEEPALIVE came).
    case progress(LinkKeepaliveStatus)
    /// The request ended without an answer: timeout, card removed, cancelled, busy until the deadline, an ERROR
    /// from the card, or fragments the station could not read. Nothing is retried after this.
    case fail(LinkError)
    /// A message of the pairing ceremony from the card (on a connection made with `LinkSecurity.stationPairing`).
    case pairingMessage([UInt8])
    /// The secure channel is open (the card answered the handshake with its static key): requests may go.
    case channelOpen
    /// The connection can carry nothing more: the handshake failed or timed out, the card is not paired with this
    /// station, or a record failed. A request in flight failed first (`.fail`). Disconnect; a new connection runs
    /// a new handshake.
    case channelFailed(LinkError)
    /// Call `handleTimer(now:)` at this instant (same clock as `now`); replaces any earlier timer.
    case armTimer(at: Duration)
    /// No timer is needed any more.
    case disarmTimer
}
