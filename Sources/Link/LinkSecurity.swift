import Crypto
import Noise

/// The keys and limits of one connection's secure channel (docs/link-protocol.md, "Secure channel"): what a state
/// machine's `connect` takes. A fresh ephemeral key for every connection is the caller's to make
/// (`Curve25519.KeyAgreement.PrivateKey()`); it is injected so that the machines stay free of randomness.
public struct LinkSecurity: Sendable {
    enum Role: Sendable {
        /// The station: it knows the card's static key before the handshake (IK's pre-message).
        case initiator(staticKey: Curve25519.KeyAgreement.PrivateKey, cardKey: Curve25519.KeyAgreement.PublicKey)
        /// The card: it learns the station's static key from message 1 and accepts only these (raw 32 bytes). In
        /// pairing mode a connection may instead carry the pairing ceremony.
        case responder(staticKey: Curve25519.KeyAgreement.PrivateKey, pairedStations: Set<[UInt8]>, acceptsPairing: Bool)
        /// The station pairing with a card it does not know yet: the ceremony's messages, no handshake.
        case pairingInitiator
        /// No channel at all: messages travel in the clear (`plaintext`).
        case plaintext
    }

    /// Records either side seals under one key before it rekeys.
    public static let defaultRekeyInterval = SecureChannel.defaultRekeyInterval
    /// The longest either side keeps one sending key, however few records it sealed.
    public static let defaultRekeyPeriod = Duration.seconds(600)

    let role: Role
    let ephemeralKey: Curve25519.KeyAgreement.PrivateKey?
    public let rekeyInterval: UInt64
    public let rekeyPeriod: Duration

    private init(
        role: Role, ephemeralKey: Curve25519.KeyAgreement.PrivateKey?, rekeyInterval: UInt64, rekeyPeriod: Duration
    ) {
        precondition(rekeyInterval > 0 && rekeyPeriod > .zero, "rekeying needs a positive interval and period")
        self.role = role
        self.ephemeralKey = ephemeralKey
        self.rekeyInterval = rekeyInterval
        self.rekeyPeriod = rekeyPeriod
    }

    /// The station's side: its own static key, the paired card's static public key, a fresh ephemeral key.
    public static func station(
        staticKey: Curve25519.KeyAgreement.PrivateKey, cardKey: Curve25519.KeyAgreement.PublicKey,
        ephemeralKey: Curve25519.KeyAgreement.PrivateKey,
        rekeyInterval: UInt64 = defaultRekeyInterval, rekeyPeriod: Duration = defaultRekeyPeriod
    ) -> LinkSecurity {
        LinkSecurity(
            role: .initiator(staticKey: staticKey, cardKey: cardKey), ephemeralKey: ephemeralKey,
            rekeyInterval: rekeyInterval, rekeyPeriod: rekeyPeriod
        )
    }

    /// The card's side: its own static key, the static public keys of the stations paired with it (32 bytes
    /// each), a fresh ephemeral key. With `acceptsPairing` (the card is in pairing mode) a connection that opens
    /// with a PAIRING message carries the pairing ceremony instead of the channel.
    public static func card(
        staticKey: Curve25519.KeyAgreement.PrivateKey, pairedStations: Set<[UInt8]>, acceptsPairing: Bool = false,
        ephemeralKey: Curve25519.KeyAgreement.PrivateKey,
        rekeyInterval: UInt64 = defaultRekeyInterval, rekeyPeriod: Duration = defaultRekeyPeriod
    ) -> LinkSecurity {
        LinkSecurity(
            role: .responder(staticKey: staticKey, pairedStations: pairedStations, acceptsPairing: acceptsPairing),
            ephemeralKey: ephemeralKey, rekeyInterval: rekeyInterval, rekeyPeriod: rekeyPeriod
        )
    }

    /// The station's side of a connection that carries the pairing ceremony (PAIRING messages in the clear; the
    /// ceremony protects itself) and nothing else: the station reconnects with `station(…)` once paired.
    public static let stationPairing = LinkSecurity(
        role: .pairingInitiator, ephemeralKey: nil, rekeyInterval: defaultRekeyInterval, rekeyPeriod: defaultRekeyPeriod
    )

    /// Messages in the clear, for measuring what the channel costs (`pivlink-bench`) and for testing and fuzzing
    /// the message layer alone. Behind an SPI so that using it takes `@_spi(Plaintext) import Link`, which no
    /// shipped executable has (a test checks); no setting of card.conf or station.conf reaches it.
    @_spi(Plaintext) public static let plaintext = LinkSecurity(
        role: .plaintext, ephemeralKey: nil, rekeyInterval: defaultRekeyInterval, rekeyPeriod: defaultRekeyPeriod
    )

    /// The handshake's prologue: both sides hash the protocol name and the card's info characteristic, which the
    /// station read in the clear, so a tampered info fails the handshake.
    static func prologue(info: LinkInfo) -> [UInt8] {
        Array("pivlink link".utf8) + info.bytes
    }
}
