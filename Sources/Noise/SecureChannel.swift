import Crypto

/// pivlink's record layer: the transport phase of a completed handshake, one CipherState each way.
///
/// ## Framing
///
/// The handshake is exactly two messages, each carried whole in one link frame: message 1 (initiator → responder,
/// `e ‖ EncryptAndHash(s) ‖ EncryptAndHash(payload)`, 96 bytes plus the payload) and message 2 (responder →
/// initiator, `e ‖ EncryptAndHash(payload)`, 48 bytes plus the payload). Every later link message is one record:
///
///     offset  size  field
///     0       1     header: 00, or 01 = "the sender rekeyed before sealing this record"; other values are refused
///     1       n     ChaChaPoly ciphertext of the plaintext (n = plaintext length)
///     1+n     16    Poly1305 tag; the header is the associated data
///
/// so a record is 17 bytes longer than its plaintext, and at most 65535 bytes (Noise's limit). There is no counter
/// on the wire: the link delivers frames whole and in order, so each side counts the records it seals and opens,
/// and the count is the nonce. A replayed, reordered, dropped, truncated or altered record is therefore opened
/// under the wrong nonce, or fails its tag, and the channel is dead from then on (`isClosed`): every later call
/// throws `channelClosed`, and the link must run a new handshake.
///
/// ## Rekeying
///
/// Each side rekeys its own sending key (Noise's `Rekey()`, one-way, no round trip) after `rekeyInterval` records
/// under one key, or earlier when its shell calls `rekey()` (e.g. on a timer: this core has no clock), and flags the
/// next record with header `01` so that the receiver rekeys its receiving key before opening it. The flag is
/// authenticated twice over: it is the associated data, and a record whose flag was flipped is opened under the
/// other key. A receiver refuses a peer that keeps one key for more than `rekeyInterval` records
/// (`rekeyOverdue`). Rekeying erases the old key, so records sealed before it cannot be opened with a key taken
/// later; the nonce keeps counting across rekeys.
public struct SecureChannel: Sendable {
    /// Records under one key before the sender must rekey.
    public static let defaultRekeyInterval: UInt64 = 1 << 16
    /// The header byte and the tag.
    public static let overhead = 1 + CipherState.tagLength
    /// Noise's limit on any message.
    public static let maximumRecordLength = HandshakeState.maximumMessageLength
    public static let maximumPlaintextLength = maximumRecordLength - overhead

    private static let plainHeader: UInt8 = 0x00
    private static let rekeyedHeader: UInt8 = 0x01

    private var sending: CipherState
    private var receiving: CipherState
    /// Records under one key before the sender rekeys and past which the receiver refuses; both sides must agree.
    public let rekeyInterval: UInt64
    private var sealedUnderKey: UInt64 = 0
    private var openedUnderKey: UInt64 = 0
    private var flagNextRecord = false
    /// Set by the first failure to open or seal; a closed channel holds no keys.
    public private(set) var isClosed = false
    /// The handshake hash: equal on both sides, unique to this session.
    public let handshakeHash: [UInt8]
    /// The peer's static key, as the handshake authenticated it.
    public let remoteStaticKey: Curve25519.KeyAgreement.PublicKey?

    /// The transport phase of `handshake`, which must be complete. Drop the HandshakeState afterwards: it holds
    /// the ephemeral key.
    public init(handshake: HandshakeState, rekeyInterval: UInt64 = defaultRekeyInterval) {
        guard let cipherStates = handshake.transportCipherStates else {
            preconditionFailure("a SecureChannel needs a complete handshake")
        }
        precondition(rekeyInterval > 0, "the rekey interval is at least one record")
        switch handshake.role {
        case .initiator:
            sending = cipherStates.initiatorToResponder
            receiving = cipherStates.responderToInitiator
        case .responder:
            sending = cipherStates.responderToInitiator
            receiving = cipherStates.initiatorToResponder
        }
        self.rekeyInterval = rekeyInterval
        handshakeHash = handshake.handshakeHash
        remoteStaticKey = handshake.remoteStaticKey
    }

    /// Whether the sending key has sealed `rekeyInterval` records: the next `seal` rekeys first. A shell may call
    /// `rekey()` now instead, to erase the key at once.
    public var needsRekey: Bool { sealedUnderKey >= rekeyInterval }

    /// Replaces the sending key with REKEY(key) now and flags the next record so the peer follows. Calling it
    /// again before that record is sealed does nothing more.
    public mutating func rekey() {
        guard !isClosed, !flagNextRecord else { return }
        sending.rekey()
        sealedUnderKey = 0
        flagNextRecord = true
    }

    /// One record carrying `plaintext`.
    public mutating func seal(_ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isClosed else { throw NoiseError(.channelClosed, "the secure channel failed earlier; reconnect") }
        guard plaintext.count <= Self.maximumPlaintextLength else {
            throw NoiseError(.messageTooLong, "\(plaintext.count) bytes do not fit one record (at most 65518)")
        }
        if needsRekey {
            rekey()
        }
        let header = flagNextRecord ? Self.rekeyedHeader : Self.plainHeader
        let sealed: [UInt8]
        do {
            sealed = try sending.encryptWithAd([header], plaintext)
        } catch {
            close()
            throw error
        }
        flagNextRecord = false
        sealedUnderKey += 1
        return [header] + sealed
    }

    /// The plaintext of the peer's next record. Any failure closes the channel.
    public mutating func open(_ record: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isClosed else { throw NoiseError(.channelClosed, "the secure channel failed earlier; reconnect") }
        do {
            return try openNext(record)
        } catch {
            close()
            throw error
        }
    }

    private mutating func openNext(_ record: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard record.count >= Self.overhead else {
            throw NoiseError(.truncated, "a record of \(record.count) bytes is shorter than its header and tag")
        }
        guard record.count <= Self.maximumRecordLength else {
            throw NoiseError(.messageTooLong, "a record of \(record.count) bytes is over 65535")
        }
        let header = record[0]
        guard header == Self.plainHeader || header == Self.rekeyedHeader else {
            throw NoiseError(.malformedRecord, "a record header of \(header) is not 00 or 01")
        }
        var key = receiving
        var opened = openedUnderKey
        if header == Self.rekeyedHeader {
            key.rekey()
            opened = 0
        }
        guard opened < rekeyInterval else {
            throw NoiseError(.rekeyOverdue, "the peer sealed more than \(rekeyInterval) records under one key")
        }
        let plaintext = try key.decryptWithAd([header], Array(record.dropFirst()))
        receiving = key
        openedUnderKey = opened + 1
        return plaintext
    }

    /// Ends the channel and drops both keys.
    private mutating func close() {
        isClosed = true
        sending = CipherState()
        receiving = CipherState()
    }
}
