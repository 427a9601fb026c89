import Crypto
import Noise

/// The fixed parties of every run: a station and a card with fixed static and ephemeral keys, so that the genuine
/// handshake messages, and so every input's meaning, are the same in every run and on replay.
enum NoiseFixture {
    static let prologue = Array("pivlink fuzz".utf8)
    static let message1Payload = Array("station".utf8)
    static let message2Payload = Array("card".utf8)
    static let stationStatic = key(0x11)
    static let cardStatic = key(0x22)

    /// The card before message 1.
    static let cardInitial = HandshakeState(
        pattern: .IK, role: .responder, prologue: prologue, s: cardStatic, e: key(0x44)
    )

    /// The station before message 1.
    static let stationInitial = HandshakeState(
        pattern: .IK, role: .initiator, prologue: prologue, s: stationStatic, e: key(0x33), rs: cardStatic.publicKey
    )

    /// The genuine message 1 and the station once it has written it.
    static let (message1, stationAfterMessage1): ([UInt8], HandshakeState) = {
        var station = stationInitial
        return (expectSuccess { try station.writeMessage(message1Payload) }, station)
    }()

    /// The genuine message 2 and the card once it has written it (its handshake complete).
    static let (message2, cardComplete): ([UInt8], HandshakeState) = {
        var card = cardInitial
        _ = expectSuccess { try card.readMessage(message1) }
        return (expectSuccess { try card.writeMessage(message2Payload) }, card)
    }()

    /// Both channels of the completed handshake, rekeying every 4 records so that inputs reach rekeys quickly.
    static let channels: (station: SecureChannel, card: SecureChannel) = {
        var station = stationAfterMessage1
        _ = expectSuccess { try station.readMessage(message2) }
        return (SecureChannel(handshake: station, rekeyInterval: 4), SecureChannel(handshake: cardComplete, rekeyInterval: 4))
    }()

    private static func key(_ byte: UInt8) -> Curve25519.KeyAgreement.PrivateKey {
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32)) else {
            fatalError("X25519 refused a 32-byte private key")
        }
        return key
    }

    private static func expectSuccess(_ body: () throws -> [UInt8]) -> [UInt8] {
        do {
            return try body()
        } catch {
            fatalError("the fixture's own handshake failed: \(error)")
        }
    }
}
