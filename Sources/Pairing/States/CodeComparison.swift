import CardCrypto
import Crypto

/// The ceremony once both nonces are known: the code is on both screens, and each side waits for its own user
/// and for the peer's confirmation, in either order.
struct CodeComparison: Sendable {
    let code: PairingCode
    let peerKey: PairingPublicKey
    /// The CONFIRM body this side sends once its user confirmed.
    let ownConfirmation: [UInt8]
    private let expectedPeerConfirmation: [UInt8]
    private(set) var confirmedHere = false
    private(set) var confirmedByPeer = false

    init(transcript: PairingTranscript, role: PairingRole, staticKey: X25519KeyPair) {
        code = transcript.code
        let key = transcript.confirmationKey(own: staticKey, role: role)
        switch role {
        case .station:
            peerKey = transcript.cardKey
            ownConfirmation = PairingTranscript.confirmation(by: .station, key: key)
            expectedPeerConfirmation = PairingTranscript.confirmation(by: .card, key: key)
        case .card:
            peerKey = transcript.stationKey
            ownConfirmation = PairingTranscript.confirmation(by: .card, key: key)
            expectedPeerConfirmation = PairingTranscript.confirmation(by: .station, key: key)
        }
    }

    var isComplete: Bool { confirmedHere && confirmedByPeer }

    /// The user confirmed `code`: it must be this side's code.
    mutating func confirmHere(_ typed: PairingCode) throws(PairingError) {
        guard !confirmedHere else {
            throw PairingError(.outOfTurn, "the code was already confirmed on this side")
        }
        guard typed.matchesInConstantTime(code) else {
            throw PairingError(.codeMismatch, "the code confirmed is not the one shown here; pair again and compare the codes")
        }
        confirmedHere = true
    }

    /// The peer's CONFIRM arrived: its MAC must be the one only the peer's static key gives for this transcript.
    mutating func receivePeerConfirmation(_ mac: [UInt8]) throws(PairingError) {
        guard !confirmedByPeer else {
            throw PairingError(.unexpectedMessage, "a second confirmation from the other side")
        }
        guard ConstantTime.equals(mac, expectedPeerConfirmation) else {
            throw PairingError(.confirmationInvalid, "the other side's confirmation does not match its key and this ceremony")
        }
        confirmedByPeer = true
    }
}
