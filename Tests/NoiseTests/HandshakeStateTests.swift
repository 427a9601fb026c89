import Crypto
import Noise
import PivlinkTesting
import Testing

/// IK as pivlink runs it: the station (initiator) knows the card's (responder's) static key; the card learns the
/// station's from message 1. The vectors prove the bytes (NoiseVectorTests); these tests prove the refusals.
@Suite("HandshakeState: IK (rev 34 §5.3, §7.5)")
struct HandshakeStateTests {
    private static let payload1 = Array("station hello".utf8)
    private static let payload2 = Array("card hello".utf8)

    /// X25519 public keys of small order (the u-coordinates libsodium refuses): with any private key the shared
    /// secret is all zeros.
    static let smallOrderPoints: [[UInt8]] = [
        hex("0000000000000000000000000000000000000000000000000000000000000000"),
        hex("0100000000000000000000000000000000000000000000000000000000000000"),
        hex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        hex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    ]

    @Test("two messages: the card learns the station's key, both agree on h and on the transport keys")
    func ikHandshake() throws {
        var (station, card) = NoiseTestKeys.ikPair()
        #expect(station.isMyTurnToWrite && !card.isMyTurnToWrite)
        let message1 = try station.writeMessage(Self.payload1)
        #expect(message1.count == 32 + 48 + Self.payload1.count + 16)
        #expect(card.remoteStaticKey == nil)
        #expect(try card.readMessage(message1) == Self.payload1)
        #expect(card.remoteStaticKey?.rawRepresentation == NoiseTestKeys.station.publicKey.rawRepresentation)
        let message2 = try card.writeMessage(Self.payload2)
        #expect(message2.count == 32 + Self.payload2.count + 16)
        #expect(card.isComplete)
        #expect(try station.readMessage(message2) == Self.payload2)
        #expect(station.isComplete && !station.isMyTurnToWrite && !card.isMyTurnToWrite)
        #expect(station.handshakeHash == card.handshakeHash)

        var stationToCard = try #require(station.transportCipherStates).initiatorToResponder
        var cardFromStation = try #require(card.transportCipherStates).initiatorToResponder
        let sealed = try stationToCard.encryptWithAd([], Self.payload1)
        #expect(try cardFromStation.decryptWithAd([], sealed) == Self.payload1)
    }

    @Test("message 1 carries no cleartext static key or payload")
    func message1HidesTheStation() throws {
        var (station, _) = NoiseTestKeys.ikPair()
        let message1 = try station.writeMessage(Self.payload1)
        let stationKey = Array(NoiseTestKeys.station.publicKey.rawRepresentation)
        #expect(!Self.contains(message1, stationKey))
        #expect(!Self.contains(message1, Self.payload1))
    }

    @Test("a station holding the wrong card key: the card cannot decrypt message 1's static key")
    func wrongResponderStatic() throws {
        let impostor = NoiseTestKeys.seeded("another card").publicKey
        var (station, card) = NoiseTestKeys.ikPair(responderStaticForInitiator: impostor)
        let message1 = try station.writeMessage(Self.payload1)
        let failure = #expect(throws: NoiseError.self) { try card.readMessage(message1) }
        #expect(failure?.code == .decryptionFailed)
        #expect(card.remoteStaticKey == nil)
        #expect(!card.isMyTurnToWrite, "a failed message 1 must not let the card answer")
    }

    @Test("a failed ReadMessage changes nothing: the genuine message still reads afterwards")
    func readRollsBack() throws {
        var (station, card) = NoiseTestKeys.ikPair()
        let message1 = try station.writeMessage(Self.payload1)
        var forged = message1
        forged[40] ^= 0x01
        #expect(throws: NoiseError.self) { try card.readMessage(forged) }
        #expect(try card.readMessage(message1) == Self.payload1)
    }

    @Test("every truncation of message 1 and message 2 is refused")
    func truncatedMessages() throws {
        var (station, card) = NoiseTestKeys.ikPair()
        let message1 = try station.writeMessage(Self.payload1)
        for length in 0..<message1.count {
            let failure = #expect(throws: NoiseError.self) { try card.readMessage(Array(message1.prefix(length))) }
            // Under e (32), the sealed s (48) and the payload's tag (16) the message is truncated; past them it
            // fails its tag.
            let expected: NoiseError.Code = length < 32 + 48 + 16 ? .truncated : .decryptionFailed
            #expect(failure?.code == expected, "message 1 cut to \(length) bytes")
        }
        _ = try card.readMessage(message1)
        let message2 = try card.writeMessage(Self.payload2)
        for length in 0..<message2.count {
            #expect(throws: NoiseError.self) { try station.readMessage(Array(message2.prefix(length))) }
        }
        #expect(try station.readMessage(message2) == Self.payload2)
    }

    @Test("every byte of message 1 and message 2 is authenticated")
    func alteredMessages() throws {
        var (station, card) = NoiseTestKeys.ikPair()
        let message1 = try station.writeMessage(Self.payload1)
        for index in message1.indices {
            var altered = message1
            altered[index] ^= 0x40
            #expect(throws: NoiseError.self) { try card.readMessage(altered) }
        }
        _ = try card.readMessage(message1)
        let message2 = try card.writeMessage(Self.payload2)
        for index in message2.indices {
            var altered = message2
            altered[index] ^= 0x40
            #expect(throws: NoiseError.self) { try station.readMessage(altered) }
        }
        #expect(throws: NoiseError.self) { try station.readMessage(message2 + [0]) }
    }

    @Test("a small-order ephemeral key in message 1 or 2 is refused", arguments: smallOrderPoints)
    func smallOrderEphemeral(point: [UInt8]) throws {
        var (station, card) = NoiseTestKeys.ikPair()
        let message1 = try station.writeMessage(Self.payload1)
        let failure1 = #expect(throws: NoiseError.self) { try card.readMessage(point + message1.dropFirst(32)) }
        #expect(failure1?.code == .lowOrderPoint)

        _ = try card.readMessage(message1)
        let message2 = try card.writeMessage(Self.payload2)
        let failure2 = #expect(throws: NoiseError.self) { try station.readMessage(point + message2.dropFirst(32)) }
        #expect(failure2?.code == .lowOrderPoint)
    }

    @Test("a small-order card key given to the station is refused before anything is sent", arguments: smallOrderPoints)
    func smallOrderResponderStatic(point: [UInt8]) {
        var (station, _) = NoiseTestKeys.ikPair(responderStaticForInitiator: NoiseTestKeys.publicKey(point))
        let failure = #expect(throws: NoiseError.self) { try station.writeMessage(Self.payload1) }
        #expect(failure?.code == .lowOrderPoint)
        #expect(station.isMyTurnToWrite, "a failed WriteMessage must leave the state as it was")
    }

    @Test("messages out of turn, after the end, or over 65535 bytes are refused")
    func outOfTurn() throws {
        var (station, card) = NoiseTestKeys.ikPair()
        #expect(throws: NoiseError.self) { try card.writeMessage([]) }
        let readFirst = #expect(throws: NoiseError.self) { try station.readMessage([UInt8](repeating: 1, count: 64)) }
        #expect(readFirst?.code == .unexpectedMessage)
        let tooLong = #expect(throws: NoiseError.self) {
            try card.readMessage([UInt8](repeating: 1, count: HandshakeState.maximumMessageLength + 1))
        }
        #expect(tooLong?.code == .messageTooLong)
        let oversizePayload = #expect(throws: NoiseError.self) {
            // Message 1 is 96 bytes plus the payload.
            try station.writeMessage([UInt8](repeating: 0, count: HandshakeState.maximumMessageLength - 95))
        }
        #expect(oversizePayload?.code == .messageTooLong)

        let message1 = try station.writeMessage([])
        #expect(throws: NoiseError.self) { try station.writeMessage([]) }
        _ = try card.readMessage(message1)
        let repeated = #expect(throws: NoiseError.self) { try card.readMessage(message1) }
        #expect(repeated?.code == .unexpectedMessage)
        let message2 = try card.writeMessage([])
        _ = try station.readMessage(message2)
        let afterEnd = #expect(throws: NoiseError.self) { try station.readMessage(message2) }
        #expect(afterEnd?.code == .unexpectedMessage)
        #expect(throws: NoiseError.self) { try card.writeMessage([]) }
        #expect(station.transportCipherStates != nil && card.transportCipherStates != nil)
    }

    @Test("fresh ephemeral keys: the same parties and payloads give new messages and new session keys")
    func freshEphemeralKeys() throws {
        var (stationA, cardA) = NoiseTestKeys.ikPair(session: "A")
        var (stationB, cardB) = NoiseTestKeys.ikPair(session: "B")
        let messageA = try stationA.writeMessage(Self.payload1)
        let messageB = try stationB.writeMessage(Self.payload1)
        #expect(messageA != messageB)
        _ = try cardA.readMessage(messageA)
        _ = try cardB.readMessage(messageB)
        _ = try stationA.readMessage(try cardA.writeMessage([]))
        _ = try stationB.readMessage(try cardB.writeMessage([]))
        #expect(stationA.handshakeHash != stationB.handshakeHash)
        var sendA = try #require(stationA.transportCipherStates).initiatorToResponder
        var sendB = try #require(stationB.transportCipherStates).initiatorToResponder
        #expect(try sendA.encryptWithAd([], Self.payload1) != sendB.encryptWithAd([], Self.payload1))
    }

    @Test("a different prologue on one side fails message 1")
    func prologueMismatch() throws {
        var (station, _) = NoiseTestKeys.ikPair()
        var card = HandshakeState(
            pattern: .IK, role: .responder, prologue: Array("other prologue".utf8), s: NoiseTestKeys.card,
            e: NoiseTestKeys.seeded("session responder e")
        )
        let failure = #expect(throws: NoiseError.self) { try card.readMessage(try station.writeMessage([])) }
        #expect(failure?.code == .decryptionFailed)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.count >= needle.count
            && (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
