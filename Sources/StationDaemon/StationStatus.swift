import Proximity

/// What the station knows at a glance: the properties of `org.pivlink.Station1` (`StationBusService`) and what
/// `pivlink status` prints. The station's `Manager` keeps one and hands every change to the bus service.
public struct StationStatus: Hashable, Sendable {
    /// One card paired with the station, as the bus lists it.
    public struct Pairing: Hashable, Sendable {
        public var fingerprint: String
        public var name: String

        public init(fingerprint: String, name: String) {
            self.fingerprint = fingerprint
            self.name = name
        }
    }

    /// The presence state (`near`, `uncertain`, `away`, `lost`).
    public var state: PresenceState = .lost
    /// The card the station serves or last recognised, by its pairing's fingerprint; "" while none.
    public var device: String
    /// The latest filtered RSSI in dBm; nil while the device is not heard.
    public var rssi: Double?
    public var isLinkUp = false
    /// Whether the card is in pcscd (the vpcd connection is open).
    public var isCardPresent = false
    /// Why the station last locked the session (one line), and when (µs since the epoch); nil before the first.
    public var lastLockReason: String?
    public var lastLockTime: UInt64?
    /// Until when auto-lock is paused (µs since the epoch); nil when it is not.
    public var pausedUntil: UInt64?
    /// The station's own fingerprint, which the cards paired with it show.
    public var fingerprint = ""
    /// The cards paired with the station, in the order they were paired.
    public var pairings: [Pairing] = []
    /// Where `pivlink pair` stands.
    public var pairingState = StationPairingState.idle
    /// The six digits to compare while `pairingState` is `code`; "" otherwise.
    public var pairingCode = ""
    /// The fingerprint of the card in the ceremony once its key came; "" otherwise.
    public var pairingPeer = ""
    /// One line on how the last ceremony ended, once it is `paired` or `failed`; "" otherwise.
    public var pairingResult = ""

    public init(device: String = "") {
        self.device = device
    }
}

/// The station's side of a pairing, as org.pivlink.Station1's `PairingState` names it.
public enum StationPairingState: String, Hashable, Sendable, CaseIterable {
    /// No ceremony: the station serves its paired cards.
    case idle
    /// Looking for a card in pairing mode, connecting to it, exchanging keys.
    case searching
    /// Both sides show `PairingCode`; the users confirm (`ConfirmPairing`) or reject.
    case code
    /// The last ceremony paired the card `PairingPeer`; the station serves it.
    case paired
    /// The last ceremony failed; `PairingResult` says why.
    case failed
}
