import Pairing

/// What `StationBusService` does with org.pivlink.Station1's pairing methods: the `Manager`'s handlers, called on
/// the loop's thread after the service checked the arguments. A handler's `StationDaemonError` reaches the caller
/// as `org.pivlink.Station1.Error.<Code>`.
public struct StationPairingCalls {
    /// `Pair(name, seconds)`: stop serving, find a card in pairing mode and run the ceremony, storing the card
    /// under `name`, all within the duration. Returns once the search started; the properties tell the rest.
    public var pair: (_ name: String, _ duration: Duration) throws(StationDaemonError) -> Void
    /// `ConfirmPairing(code)`: the user says the card shows this code.
    public var confirm: (_ code: PairingCode) throws(StationDaemonError) -> Void
    /// `RejectPairing()`: the user says the codes differ.
    public var reject: () throws(StationDaemonError) -> Void
    /// `CancelPairing()`: give up the ceremony in progress.
    public var cancel: () throws(StationDaemonError) -> Void
    /// `Unpair(fingerprint)`: completes with whether the card removed its side too (it was connected over an open
    /// channel and answered UNPAIRED).
    public var unpair: (
        _ fingerprint: PairingFingerprint, _ completion: @escaping (Result<Bool, StationDaemonError>) -> Void
    ) -> Void

    public init(
        pair: @escaping (String, Duration) throws(StationDaemonError) -> Void,
        confirm: @escaping (PairingCode) throws(StationDaemonError) -> Void,
        reject: @escaping () throws(StationDaemonError) -> Void,
        cancel: @escaping () throws(StationDaemonError) -> Void,
        unpair: @escaping (PairingFingerprint, @escaping (Result<Bool, StationDaemonError>) -> Void) -> Void
    ) {
        self.pair = pair
        self.confirm = confirm
        self.reject = reject
        self.cancel = cancel
        self.unpair = unpair
    }
}
