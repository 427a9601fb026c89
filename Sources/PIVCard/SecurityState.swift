import CardCrypto

/// What the current session has proven. Nothing here is persisted: it ends on power-off, reset, disconnect
/// and after the idle timeout.
struct SecurityState {
    var pinVerified = false
    /// Set by a successful VERIFY and spent by the next command: SP 800-73's "PIN Always" condition (9C)
    /// demands a VERIFY immediately before each use.
    var pinJustVerified = false
    var managementKeyAuthenticated = false
    /// The first half of a management-key authentication, waiting for its second GENERAL AUTHENTICATE.
    var pendingAdminChallenge: AdminChallenge?
    /// The vault's key pair, opened by the PIN; it unseals PIN-protected keys while the PIN stays verified.
    var vaultKey: X25519KeyPair?
    /// Private keys already unsealed in this session, so repeated signatures skip the unsealing.
    var unlockedKeys: [KeySlot: PrivateKey] = [:]
    var lastActivity: Duration?

    var holdsAnything: Bool { pinVerified || managementKeyAuthenticated || vaultKey != nil }

    /// Drops every privilege and unsealed secret.
    mutating func clear() {
        self = SecurityState()
    }

    /// Drops what lasts only until the next command: the PIN Always permission and a pending challenge.
    mutating func endOneCommandState() {
        pinJustVerified = false
        pendingAdminChallenge = nil
    }

    /// Drops the PIN-verified state and what it unlocked, keeping management-key authentication.
    mutating func clearPIN() {
        pinVerified = false
        pinJustVerified = false
        vaultKey = nil
        unlockedKeys = [:]
    }
}

enum AdminChallenge {
    /// Mutual authentication: the card sent E(witness) and expects the witness back.
    case mutual(witness: [UInt8])
    /// External authentication: the card sent a challenge and expects E(challenge).
    case external(challenge: [UInt8])
}
