import Crypto
import Noise
import PivlinkTesting

/// Key pairs and handshakes for the tests, from seeded bytes so that a failure repeats.
enum NoiseTestKeys {
    static func privateKey(_ bytes: [UInt8]) -> Curve25519.KeyAgreement.PrivateKey {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: bytes) else {
            preconditionFailure("X25519 refused a 32-byte private key")
        }
        return key
    }

    static func publicKey(_ bytes: [UInt8]) -> Curve25519.KeyAgreement.PublicKey {
        guard let key = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: bytes) else {
            preconditionFailure("X25519 refused a 32-byte public key")
        }
        return key
    }

    /// A key pair whose private key is 32 bytes of `SeededRandom(seed:)`.
    static func seeded(_ seed: String) -> Curve25519.KeyAgreement.PrivateKey {
        privateKey(SeededRandom(seed: seed).bytes(32))
    }

    static let station = seeded("station static")
    static let card = seeded("card static")
    static let prologue = Array("pivlink test prologue".utf8)

    /// Both sides of an IK handshake before message 1: the station as initiator, the card as responder.
    static func ikPair(
        session: String = "session", responderStaticForInitiator: Curve25519.KeyAgreement.PublicKey = card.publicKey
    ) -> (initiator: HandshakeState, responder: HandshakeState) {
        let initiator = HandshakeState(
            pattern: .IK, role: .initiator, prologue: prologue, s: station, e: seeded("\(session) initiator e"),
            rs: responderStaticForInitiator
        )
        let responder = HandshakeState(
            pattern: .IK, role: .responder, prologue: prologue, s: card, e: seeded("\(session) responder e")
        )
        return (initiator, responder)
    }

    /// An IK handshake run to the end, as two channels: the station's and the card's.
    static func channelPair(
        session: String = "session", rekeyInterval: UInt64 = SecureChannel.defaultRekeyInterval
    ) throws -> (station: SecureChannel, card: SecureChannel) {
        var (initiator, responder) = ikPair(session: session)
        _ = try responder.readMessage(try initiator.writeMessage([]))
        _ = try initiator.readMessage(try responder.writeMessage([]))
        return (
            SecureChannel(handshake: initiator, rekeyInterval: rekeyInterval),
            SecureChannel(handshake: responder, rekeyInterval: rekeyInterval)
        )
    }
}
