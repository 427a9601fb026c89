import Crypto

/// Noise's HandshakeState (rev 34 §5.3) for `Noise_<pattern>_25519_ChaChaPoly_SHA256`.
///
/// Pure: the ephemeral key pair `e` is injected, not generated, so a shell makes a fresh one for every handshake
/// (`Curve25519.KeyAgreement.PrivateKey()`) and tests use the vectors' keys. Nothing here reads a clock or a random
/// source.
///
/// WriteMessage and ReadMessage work on a copy and commit only when the whole message has been processed, so a
/// message that fails (truncated, forged, a small-order key) leaves the state as it was (as flynn/noise does).
/// After the last message of the pattern, `transportCipherStates` holds Split()'s two CipherStates.
///
/// For IK the responder learns the initiator's static key from message 1 (`remoteStaticKey`); whether that key is
/// allowed (is it a paired station?) is the caller's decision, taken before it writes message 2.
public struct HandshakeState: Sendable {
    public enum Role: Hashable, Sendable {
        case initiator, responder
    }

    /// Noise's limit on any message (§3).
    public static let maximumMessageLength = 65535

    public let pattern: HandshakePattern
    public let role: Role
    private var symmetricState: SymmetricState
    private let s: Curve25519.KeyAgreement.PrivateKey?
    private let e: Curve25519.KeyAgreement.PrivateKey
    private var rs: Curve25519.KeyAgreement.PublicKey?
    private var re: Curve25519.KeyAgreement.PublicKey?
    private var psks: [SymmetricKey]
    private var messageIndex = 0
    private var splitCipherStates: (CipherState, CipherState)?

    /// `Initialize(handshake_pattern, initiator, prologue, s, e, rs, re)` with `re` always empty and pre-shared
    /// keys for `psk` tokens, in the order the tokens come.
    ///
    /// - Parameters:
    ///   - s: the local static key pair; required if the pattern sends or pre-knows it.
    ///   - e: the local ephemeral key pair, fresh for this handshake (never reuse one).
    ///   - rs: the remote static public key; required if the pattern pre-knows it (IK's initiator).
    public init(
        pattern: HandshakePattern, role: Role, prologue: [UInt8],
        s: Curve25519.KeyAgreement.PrivateKey?, e: Curve25519.KeyAgreement.PrivateKey,
        rs: Curve25519.KeyAgreement.PublicKey? = nil, psks: [SymmetricKey] = []
    ) {
        let localPreMessage = role == .initiator ? pattern.initiatorPreMessage : pattern.responderPreMessage
        let remotePreMessage = role == .initiator ? pattern.responderPreMessage : pattern.initiatorPreMessage
        let sendsStatic = pattern.messagePatterns.indices.contains { index in
            (index % 2 == 0) == (role == .initiator) && pattern.messagePatterns[index].contains(.s)
        }
        precondition(s != nil || !(sendsStatic || localPreMessage.contains(.s)), "\(pattern.name) needs the local static key")
        precondition(rs != nil || !remotePreMessage.contains(.s), "\(pattern.name) needs the remote static key")
        precondition(psks.count == pattern.preSharedKeyCount, "\(pattern.name) takes \(pattern.preSharedKeyCount) PSKs")
        precondition(psks.allSatisfy { $0.bitCount == 256 }, "a Noise PSK is 32 bytes")
        self.pattern = pattern
        self.role = role
        self.s = s
        self.e = e
        self.rs = rs
        self.psks = psks
        symmetricState = SymmetricState(protocolName: pattern.protocolName)
        symmetricState.mixHash(prologue)
        // Pre-message keys are hashed initiator first, then responder (§7.1).
        for (owner, preMessage) in [(Role.initiator, pattern.initiatorPreMessage), (.responder, pattern.responderPreMessage)]
        where preMessage.contains(.s) {
            let key = owner == role ? s?.publicKey : rs
            symmetricState.mixHash(key.map { Array($0.rawRepresentation) } ?? [])
        }
    }

    /// Whether the next message is this side's to write (true) or to read (false). False once complete.
    public var isMyTurnToWrite: Bool {
        !isComplete && (messageIndex % 2 == 0) == (role == .initiator)
    }

    /// Whether every message of the pattern has been written or read.
    public var isComplete: Bool { messageIndex == pattern.messagePatterns.count }

    /// The peer's static public key: given at init, or learned from a message (IK's responder, after message 1).
    public var remoteStaticKey: Curve25519.KeyAgreement.PublicKey? { rs }

    /// `GetHandshakeHash()`: after the handshake, a unique name for the session, equal on both sides.
    public var handshakeHash: [UInt8] { symmetricState.getHandshakeHash() }

    /// Split()'s CipherStates once the handshake is complete: the first encrypts the initiator's messages to the
    /// responder, the second the responder's to the initiator. Nil before.
    public var transportCipherStates: (initiatorToResponder: CipherState, responderToInitiator: CipherState)? {
        splitCipherStates.map { (initiatorToResponder: $0.0, responderToInitiator: $0.1) }
    }

    /// `WriteMessage(payload, message_buffer)`: the next handshake message, carrying `payload` (encrypted once a
    /// key has been mixed in).
    public mutating func writeMessage(_ payload: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard isMyTurnToWrite else {
            throw NoiseError(.unexpectedMessage, "it is not this side's turn to write a handshake message")
        }
        var next = self
        let message = try next.write(payload)
        self = next
        return message
    }

    /// `ReadMessage(message, payload_buffer)`: reads the peer's next handshake message and returns its payload.
    /// On any error the state is unchanged.
    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete, !isMyTurnToWrite else {
            throw NoiseError(.unexpectedMessage, "a handshake message arrived when none was expected")
        }
        guard message.count <= Self.maximumMessageLength else {
            throw NoiseError(.messageTooLong, "a handshake message of \(message.count) bytes is over 65535")
        }
        var next = self
        let payload = try next.read(message)
        self = next
        return payload
    }

    private mutating func write(_ payload: [UInt8]) throws(NoiseError) -> [UInt8] {
        var buffer: [UInt8] = []
        for token in pattern.messagePatterns[messageIndex] {
            switch token {
            case .e:
                let publicKey = Array(e.publicKey.rawRepresentation)
                buffer += publicKey
                mixEphemeral(publicKey)
            case .s:
                guard let s else { preconditionFailure("checked at init") }
                buffer += try symmetricState.encryptAndHash(Array(s.publicKey.rawRepresentation))
            case .ee, .es, .se, .ss, .psk:
                try mix(token)
            }
        }
        buffer += try symmetricState.encryptAndHash(payload)
        guard buffer.count <= Self.maximumMessageLength else {
            throw NoiseError(.messageTooLong, "a payload of \(payload.count) bytes makes a handshake message over 65535")
        }
        finishMessage()
        return buffer
    }

    private mutating func read(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        var rest = message[...]
        for token in pattern.messagePatterns[messageIndex] {
            switch token {
            case .e:
                let publicKey = try take(DH.length, from: &rest, for: "the ephemeral key")
                re = DH.publicKey(publicKey)
                mixEphemeral(Array(publicKey))
            case .s:
                let length = DH.length + (symmetricState.hasKey ? CipherState.tagLength : 0)
                let sealed = try take(length, from: &rest, for: "the static key")
                rs = DH.publicKey(try symmetricState.decryptAndHash(Array(sealed))[...])
            case .ee, .es, .se, .ss, .psk:
                try mix(token)
            }
        }
        let payload = try symmetricState.decryptAndHash(Array(rest))
        finishMessage()
        return payload
    }

    /// The `e` token's hashing, shared by both directions: MixHash, and MixKey too in a PSK handshake (§9.2).
    private mutating func mixEphemeral(_ publicKey: [UInt8]) {
        symmetricState.mixHash(publicKey)
        if pattern.usesPreSharedKeys {
            symmetricState.mixKey(SymmetricKey(data: publicKey))
        }
    }

    /// The DH and PSK tokens, the same for writing and reading: `es` is DH(e, rs) for the initiator and DH(s, re)
    /// for the responder, `se` the other way round.
    private mutating func mix(_ token: HandshakePattern.Token) throws(NoiseError) {
        let isInitiator = role == .initiator
        switch token {
        case .ee: symmetricState.mixKey(try DH.dh(e, remote(re)))
        case .es: symmetricState.mixKey(isInitiator ? try DH.dh(e, remote(rs)) : try DH.dh(local(s), remote(re)))
        case .se: symmetricState.mixKey(isInitiator ? try DH.dh(local(s), remote(re)) : try DH.dh(e, remote(rs)))
        case .ss: symmetricState.mixKey(try DH.dh(local(s), remote(rs)))
        case .psk: symmetricState.mixKeyAndHash(psks.removeFirst())
        case .e, .s: preconditionFailure("key tokens are handled by write and read")
        }
    }

    private func local(_ key: Curve25519.KeyAgreement.PrivateKey?) -> Curve25519.KeyAgreement.PrivateKey {
        guard let key else { preconditionFailure("\(pattern.name) uses the local static key, checked at init") }
        return key
    }

    private func remote(_ key: Curve25519.KeyAgreement.PublicKey?) -> Curve25519.KeyAgreement.PublicKey {
        guard let key else { preconditionFailure("\(pattern.name) uses a remote key before any message carries it") }
        return key
    }

    private mutating func finishMessage() {
        messageIndex += 1
        if isComplete {
            splitCipherStates = symmetricState.split()
        }
    }

    private func take(
        _ count: Int, from rest: inout ArraySlice<UInt8>, for what: String
    ) throws(NoiseError) -> ArraySlice<UInt8> {
        guard rest.count >= count else {
            throw NoiseError(.truncated, "a handshake message ends inside \(what)")
        }
        defer { rest = rest.dropFirst(count) }
        return rest.prefix(count)
    }
}
