import Crypto
import Noise
import PivlinkTesting
import Testing

/// The cacophony vectors (Resources/README.md): each protocol's handshake run from the vectors' fixed keys, every
/// handshake and transport message compared byte for byte, both directions, and the handshake hash. IK is
/// pivlink's; the others show that HandshakeState follows the patterns, and the `psk` ones reach MixKeyAndHash.
@Suite("Noise vectors: cacophony, 25519_ChaChaPoly_SHA256")
struct NoiseVectorTests {
    @Test("every protocol in the file is one of the patterns tested here")
    func fileHasTheTestedProtocols() throws {
        let names = try NoiseVector.all().map(\.protocolName)
        #expect(names.sorted() == HandshakePattern.vectorPatterns.map(\.protocolName).sorted())
        #expect(names.contains("Noise_IK_25519_ChaChaPoly_SHA256"))
    }

    @Test("handshake and transport messages byte for byte", arguments: HandshakePattern.vectorPatterns)
    func vector(pattern: HandshakePattern) throws {
        let vector = try NoiseVector.named(pattern.protocolName)
        var initiator = HandshakeState(
            pattern: pattern, role: .initiator, prologue: vector.initiatorPrologue,
            s: vector.initiatorStatic.map(NoiseTestKeys.privateKey), e: NoiseTestKeys.privateKey(vector.initiatorEphemeral),
            rs: vector.initiatorRemoteStatic.map(NoiseTestKeys.publicKey),
            psks: vector.initiatorPSKs.map { SymmetricKey(data: $0) }
        )
        var responder = HandshakeState(
            pattern: pattern, role: .responder, prologue: vector.responderPrologue,
            s: vector.responderStatic.map(NoiseTestKeys.privateKey), e: NoiseTestKeys.privateKey(vector.responderEphemeral),
            rs: vector.responderRemoteStatic.map(NoiseTestKeys.publicKey),
            psks: vector.responderPSKs.map { SymmetricKey(data: $0) }
        )
        let handshakeLength = pattern.messagePatterns.count
        try #require(vector.messages.count > handshakeLength)

        for (index, message) in vector.messages.prefix(handshakeLength).enumerated() {
            let initiatorWrites = index.isMultiple(of: 2)
            #expect(initiator.isMyTurnToWrite == initiatorWrites)
            #expect(responder.isMyTurnToWrite == !initiatorWrites)
            let written = initiatorWrites
                ? try initiator.writeMessage(message.payload) : try responder.writeMessage(message.payload)
            #expect(hexString(written) == hexString(message.ciphertext), "handshake message \(index)")
            let read = initiatorWrites ? try responder.readMessage(written) : try initiator.readMessage(written)
            #expect(read == message.payload, "handshake message \(index)")
        }

        #expect(initiator.isComplete && responder.isComplete)
        #expect(initiator.handshakeHash == vector.handshakeHash)
        #expect(responder.handshakeHash == vector.handshakeHash)
        #expect(initiator.remoteStaticKey?.rawRepresentation == vector.responderStatic.map(NoiseTestKeys.privateKey)?.publicKey.rawRepresentation)
        #expect(responder.remoteStaticKey?.rawRepresentation == vector.initiatorStatic.map(NoiseTestKeys.privateKey)?.publicKey.rawRepresentation)

        let initiatorStates = try #require(initiator.transportCipherStates)
        let responderStates = try #require(responder.transportCipherStates)
        var initiatorSend = initiatorStates.initiatorToResponder
        var initiatorReceive = initiatorStates.responderToInitiator
        var responderSend = responderStates.responderToInitiator
        var responderReceive = responderStates.initiatorToResponder
        for (index, message) in vector.messages.enumerated().dropFirst(handshakeLength) {
            let ciphertext: [UInt8]
            let plaintext: [UInt8]
            if index.isMultiple(of: 2) {
                ciphertext = try initiatorSend.encryptWithAd([], message.payload)
                plaintext = try responderReceive.decryptWithAd([], ciphertext)
            } else {
                ciphertext = try responderSend.encryptWithAd([], message.payload)
                plaintext = try initiatorReceive.decryptWithAd([], ciphertext)
            }
            #expect(hexString(ciphertext) == hexString(message.ciphertext), "transport message \(index)")
            #expect(plaintext == message.payload, "transport message \(index)")
        }
    }
}

extension HandshakePattern: CustomTestStringConvertible {
    public var testDescription: String { name }
}
