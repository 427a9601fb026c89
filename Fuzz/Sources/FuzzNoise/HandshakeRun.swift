import FuzzSupport
import Noise

/// A handshake message from the input read by the side that expects it: the card reading message 1 (raw bytes, or
/// the genuine message XORed with the input) or the station reading message 2 (likewise). Checked: a message is
/// accepted exactly when it is the genuine one, byte for byte (every byte is authenticated); an accepted message 1
/// yields the station's static key and payload; a refused message changes nothing, so the genuine message still
/// reads afterwards.
struct HandshakeRun {
    enum Side {
        case card, station
    }

    private let side: Side
    private let message: [UInt8]

    /// `patch` false: `bytes` is the message. True: the genuine message with `bytes` XORed over its start, and any
    /// bytes past its end appended, so that an all-zero input is the genuine message.
    init(side: Side, bytes: [UInt8], patch: Bool) {
        self.side = side
        let genuine = side == .card ? NoiseFixture.message1 : NoiseFixture.message2
        guard patch else {
            message = bytes
            return
        }
        var patched = genuine
        for (index, byte) in bytes.enumerated() {
            if index < patched.count {
                patched[index] ^= byte
            } else {
                patched.append(byte)
            }
        }
        message = patched
    }

    func check() {
        var state = side == .card ? NoiseFixture.cardInitial : NoiseFixture.stationAfterMessage1
        let genuine = side == .card ? NoiseFixture.message1 : NoiseFixture.message2
        let expectedPayload = side == .card ? NoiseFixture.message1Payload : NoiseFixture.message2Payload
        do throws(NoiseError) {
            let payload = try state.readMessage(message)
            invariant(message == genuine, "an altered handshake message was accepted: \(message.hex)")
            invariant(payload == expectedPayload, "the genuine message gave payload \(payload.hex)")
            checkAccepted(state)
        } catch {
            invariant(message != genuine, "the genuine handshake message was refused: \(error.code)")
            invariant(!state.isComplete && !state.isMyTurnToWrite, "a refused message moved the handshake on")
            invariant(side == .station || state.remoteStaticKey == nil, "a refused message 1 set the station's key")
            do throws(NoiseError) {
                let payload = try state.readMessage(genuine)
                invariant(payload == expectedPayload, "after a refusal the genuine message read wrong")
            } catch {
                invariant(false, "after a refused message the genuine one failed: \(error.code)")
            }
            checkAccepted(state)
        }
    }

    private func checkAccepted(_ state: HandshakeState) {
        switch side {
        case .card:
            invariant(
                state.remoteStaticKey?.rawRepresentation == NoiseFixture.stationStatic.publicKey.rawRepresentation,
                "message 1 gave the wrong station key"
            )
            invariant(state.isMyTurnToWrite, "the card may not answer after message 1")
        case .station:
            invariant(state.isComplete, "the station's handshake did not complete on message 2")
            invariant(state.handshakeHash == NoiseFixture.cardComplete.handshakeHash, "the two sides' h differ")
        }
    }
}
