/// Where a ceremony stands, for a status display.
public enum PairingPhase: Hashable, Sendable {
    /// Keys, the commitment and the nonces are on their way; no code yet.
    case exchangingKeys
    /// The code is shown; each side waits for its own user's and the peer's confirmation.
    case comparingCodes(PairingCode, confirmedHere: Bool, confirmedByPeer: Bool)
    /// Done: the peer's key is the one to store.
    case paired(PairingPublicKey)
    /// Dead, for this reason.
    case failed(PairingError)
}
