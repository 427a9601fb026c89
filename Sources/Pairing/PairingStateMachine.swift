import CardCrypto

/// One pairing ceremony, either side, without I/O: messages and user decisions in, messages and actions out
/// (docs/pairing-protocol.md, "Ceremony").
///
/// The station starts: START (its key) → COMMIT (the card's key and commitment) → STATION_NONCE → CARD_NONCE.
/// Both sides then show the code. Each user's confirmation sends CONFIRM; a side is paired once its own user
/// confirmed and the peer's CONFIRM checked out. Any malformed, unexpected or failing input ends the ceremony
/// for good with a `.fail` action (after an ABORT to the peer, unless the peer is the one who aborted).
/// Time comes in as `now` (any monotonic clock, the shell's); deadlines go out as `.armTimer(at:)`.
public struct PairingStateMachine: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The longest wait for the peer's next protocol message; it is a machine answering, so seconds.
        public var messageTimeout: Duration
        /// The longest wait, once the code is shown, for both users to confirm.
        public var confirmationTimeout: Duration

        public init(messageTimeout: Duration = .seconds(10), confirmationTimeout: Duration = .seconds(120)) {
            self.messageTimeout = messageTimeout
            self.confirmationTimeout = confirmationTimeout
        }
    }

    private enum State: Sendable {
        /// The station before `start(now:)`; the card before START.
        case idle
        /// Station: START sent.
        case awaitingCommitment
        /// Card: COMMIT sent; the station's nonce is next.
        case awaitingStationNonce(stationKey: PairingPublicKey, commitment: [UInt8])
        /// Station: its nonce sent; the card's reveal is next.
        case awaitingCardNonce(cardKey: PairingPublicKey, commitment: [UInt8])
        case comparingCodes(CodeComparison)
        case paired(PairingPublicKey)
        case failed(PairingError)
    }

    public let role: PairingRole
    public let configuration: Configuration
    private let staticKey: X25519KeyPair
    private let ownKey: PairingPublicKey
    /// Ni or Nr: drawn at creation, sent only when the protocol allows.
    private let nonce: [UInt8]
    private var state = State.idle
    /// When `handleTimer(now:)` fails the ceremony; nil when nothing is awaited.
    public private(set) var deadline: Duration?

    /// A ceremony for `role` with this side's static key; `random` gives this side's 32-byte nonce.
    public init(
        role: PairingRole, staticKey: X25519KeyPair, random: some RandomSource,
        configuration: Configuration = Configuration()
    ) {
        self.role = role
        self.configuration = configuration
        self.staticKey = staticKey
        ownKey = StaticKeyAgreement.publicKey(of: staticKey)
        let nonce = random.bytes(PairingTranscript.nonceByteCount)
        precondition(nonce.count == PairingTranscript.nonceByteCount, "RandomSource returned \(nonce.count) bytes instead of 32")
        self.nonce = nonce
    }

    public var phase: PairingPhase {
        switch state {
        case .idle, .awaitingCommitment, .awaitingStationNonce, .awaitingCardNonce: .exchangingKeys
        case .comparingCodes(let comparison):
            .comparingCodes(comparison.code, confirmedHere: comparison.confirmedHere, confirmedByPeer: comparison.confirmedByPeer)
        case .paired(let key): .paired(key)
        case .failed(let error): .failed(error)
        }
    }

    /// The station's first move: send START. Only for a new station ceremony (anything else is a bug).
    public mutating func start(now: Duration) -> [PairingAction] {
        precondition(role == .station, "only the station starts a pairing ceremony")
        guard case .idle = state else { preconditionFailure("start(now:) called twice") }
        state = .awaitingCommitment
        return [.send(PairingMessage.start(stationKey: ownKey.bytes).encoded), arm(at: now + configuration.messageTimeout)]
    }

    /// A message from the peer.
    public mutating func receive(_ bytes: [UInt8], now: Duration) -> [PairingAction] {
        if let finished = finishedAnswer() { return finished }
        do throws(PairingError) {
            return try advance(with: PairingMessage(decoding: bytes), now: now)
        } catch {
            return fail(error, peerEngaged: true)
        }
    }

    /// The user (or a script with `--confirm CODE`) says the other side shows `code`.
    public mutating func confirm(code: PairingCode) -> [PairingAction] {
        if let finished = finishedAnswer() { return finished }
        guard case .comparingCodes(var comparison) = state else {
            return fail(PairingError(.outOfTurn, "there is no code to confirm yet; confirm only a code this side shows"), peerEngaged: peerEngaged)
        }
        do throws(PairingError) {
            try comparison.confirmHere(code)
        } catch {
            return fail(error, peerEngaged: true)
        }
        return [.send(PairingMessage.confirm(mac: comparison.ownConfirmation).encoded)] + settle(comparison)
    }

    /// The user says the two codes differ.
    public mutating func reject() -> [PairingAction] {
        if let finished = finishedAnswer() { return finished }
        return fail(PairingError(.rejected, "the codes differ, so nothing was paired; pair again, and if they differ again someone may be in the middle"), peerEngaged: peerEngaged)
    }

    /// The user or the shell gives up (the pairing window closed, Ctrl-C).
    public mutating func cancel() -> [PairingAction] {
        if let finished = finishedAnswer() { return finished }
        return fail(PairingError(.cancelled, "pairing cancelled; nothing was paired"), peerEngaged: peerEngaged)
    }

    /// The timer armed last fired. Before the deadline (a timer the shell did not re-arm in time) and after the
    /// end (a stale timer) it does nothing.
    public mutating func handleTimer(now: Duration) -> [PairingAction] {
        guard let deadline, now >= deadline else { return [] }
        let waitedFor = if case .comparingCodes = state { "the confirmations" } else { "the other side's next message" }
        return fail(PairingError(.timeout, "timed out waiting for \(waitedFor); pair again"), peerEngaged: peerEngaged)
    }

    private mutating func advance(with message: PairingMessage, now: Duration) throws(PairingError) -> [PairingAction] {
        switch (state, message) {
        case (_, .abort(let reason)):
            return fail(PairingError(abortedByPeer: reason), peerEngaged: false)

        case (.idle, .start(let stationKeyBytes)) where role == .card:
            let stationKey = try peerKey(stationKeyBytes)
            let commitment = PairingTranscript.commitment(cardKey: ownKey, stationKey: stationKey, cardNonce: nonce)
            state = .awaitingStationNonce(stationKey: stationKey, commitment: commitment)
            return [
                .send(PairingMessage.commit(cardKey: ownKey.bytes, commitment: commitment).encoded),
                arm(at: now + configuration.messageTimeout),
            ]

        case (.awaitingCommitment, .commit(let cardKeyBytes, let commitment)):
            let cardKey = try peerKey(cardKeyBytes)
            state = .awaitingCardNonce(cardKey: cardKey, commitment: commitment)
            return [.send(PairingMessage.stationNonce(nonce).encoded), arm(at: now + configuration.messageTimeout)]

        case (.awaitingStationNonce(let stationKey, let commitment), .stationNonce(let stationNonce)):
            let transcript = PairingTranscript(
                stationKey: stationKey, cardKey: ownKey, commitment: commitment, stationNonce: stationNonce, cardNonce: nonce
            )
            let comparison = CodeComparison(transcript: transcript, role: role, staticKey: staticKey)
            state = .comparingCodes(comparison)
            return [
                .send(PairingMessage.cardNonce(nonce).encoded), .showCode(comparison.code),
                arm(at: now + configuration.confirmationTimeout),
            ]

        case (.awaitingCardNonce(let cardKey, let commitment), .cardNonce(let cardNonce)):
            let transcript = PairingTranscript(
                stationKey: ownKey, cardKey: cardKey, commitment: commitment, stationNonce: nonce, cardNonce: cardNonce
            )
            guard transcript.commitmentHolds else {
                throw PairingError(.commitmentMismatch, "the card's nonce and key do not match its commitment: someone may be in the middle; pair again")
            }
            let comparison = CodeComparison(transcript: transcript, role: role, staticKey: staticKey)
            state = .comparingCodes(comparison)
            return [.showCode(comparison.code), arm(at: now + configuration.confirmationTimeout)]

        case (.comparingCodes(var comparison), .confirm(let mac)):
            try comparison.receivePeerConfirmation(mac)
            return settle(comparison)

        case (.idle, _), (.awaitingCommitment, _), (.awaitingStationNonce, _), (.awaitingCardNonce, _),
             (.comparingCodes, _), (.paired, _), (.failed, _):
            throw PairingError(.unexpectedMessage, "\(message.type) is not expected by the \(role) now")
        }
    }

    /// The peer's key from the wire: valid, and not this side's own key sent back.
    private func peerKey(_ bytes: [UInt8]) throws(PairingError) -> PairingPublicKey {
        let key = try PairingPublicKey(bytes: bytes)
        guard key != ownKey else {
            throw PairingError(.invalidPublicKey, "the other side sent this side's own public key")
        }
        return key
    }

    /// Paired once both confirmations are in; otherwise still comparing (the confirmation timer runs on).
    private mutating func settle(_ comparison: CodeComparison) -> [PairingAction] {
        guard comparison.isComplete else {
            state = .comparingCodes(comparison)
            return []
        }
        state = .paired(comparison.peerKey)
        deadline = nil
        return [.paired(comparison.peerKey)]
    }

    private mutating func arm(at deadline: Duration) -> PairingAction {
        self.deadline = deadline
        return .armTimer(at: deadline)
    }

    /// Whether the peer has heard of this ceremony, so that an ABORT means something to it.
    private var peerEngaged: Bool {
        if case .idle = state { false } else { true }
    }

    private mutating func fail(_ error: PairingError, peerEngaged: Bool) -> [PairingAction] {
        state = .failed(error)
        deadline = nil
        guard peerEngaged, let reason = error.code.abortReason else { return [.fail(error)] }
        return [.send(PairingMessage.abort(reason).encoded), .fail(error)]
    }

    /// The answer to every call after the end: the ceremony stays as it ended.
    private func finishedAnswer() -> [PairingAction]? {
        switch state {
        case .paired, .failed:
            [.fail(PairingError(.ceremonyFinished, "this pairing ceremony is over; start a new one"))]
        case .idle, .awaitingCommitment, .awaitingStationNonce, .awaitingCardNonce, .comparingCodes:
            nil
        }
    }
}
