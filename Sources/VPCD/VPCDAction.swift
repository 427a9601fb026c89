/// What the shell must do after `VPCDConnectionStateMachine.receive(bytes:)`, in the order given.
public enum VPCDAction: Hashable, Sendable {
    /// Tell the card it was powered off.
    case powerOff
    /// Tell the card it was powered on.
    case powerOn
    /// Tell the card it was reset.
    case reset
    /// Ask the card to process this C-APDU, then pass its R-APDU to `sendResponse(_:)` and write the result.
    case apdu([UInt8])
    /// Write these bytes (already framed) to vpcd.
    case send([UInt8])
    /// The peer broke the protocol: close the connection (the card is removed). Nothing follows it.
    case close(VPCDError)
}
