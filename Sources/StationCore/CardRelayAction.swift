import Link

/// What the station's shell does after a call into `CardRelay`, in order.
public enum CardRelayAction: Hashable, Sendable {
    /// Send this request to the card (`LinkCentralStateMachine.send`); report how it ended with
    /// `CardRelay.delivered(_:)` or `CardRelay.failed(_:)`.
    case send(LinkMessage)
    /// Answer PC/SC's outstanding APDU with these bytes.
    case reply([UInt8])
    /// The card answered power-on and its credential version: present it to PC/SC (connect to vpcd) with this ATR.
    case insertCard(atr: [UInt8])
    /// The card's answer to a request is lost or makes no sense: drop the link, which removes the card from
    /// PC/SC; the request is never sent again.
    case dropLink(reason: String)
    /// A PING of `CardRelay.probeRoundTrip(now:)` came back this long after it was handed to the link: one
    /// sample of the link's round-trip time, for the walk-away lock's relay check.
    case roundTrip(Duration)
}
