/// What the card's shell does after a call into `LinkPeripheralStateMachine`, in order.
public enum LinkPeripheralAction: Hashable, Sendable {
    /// Send these fragments as notifications on the response characteristic, in order.
    case send([[UInt8]])
    /// Hand this request to the card (APDU, POWER_ON, POWER_OFF, RESET or GET_CREDENTIAL_VERSION) and report its
    /// answer through `finish(_:now:)`. Only one is ever outstanding.
    case process(LinkMessage)
    /// The station cancelled the request the card is working on. If the card can stop, it answers
    /// `.error(.cancelled)`; if not, it answers as usual. Either way `finish(_:now:)` is still called.
    case cancelProcessing
    /// A message of the pairing ceremony from the station (the card is in pairing mode): hand it to the
    /// ceremony and send its answers with `sendPairing(_:now:)`.
    case pairingMessage([UInt8])
    /// The secure channel is open with the paired station whose static public key (32 bytes) this is.
    case channelOpen(stationKey: [UInt8])
    /// The connection can carry nothing more: the station is not paired, its handshake was not valid, or a
    /// record failed. The station was told in the clear; the machine answers nothing else on this connection.
    /// Disconnect it.
    case channelFailed(LinkError)
    /// Call `handleTimer(now:)` at this instant (same clock as `now`); replaces any earlier timer.
    case armTimer(at: Duration)
    /// No timer is needed any more.
    case disarmTimer
}
