import Crypto
import Noise

/// One connection's secure channel, between the fragment layer and the messages (docs/link-protocol.md, "Secure
/// channel"): the Noise IK handshake in two frames, then every message sealed whole into one RECORD frame.
///
/// A record's plaintext is the message's command byte, its transaction id and its body; the RECORD frame repeats
/// the transaction id outside, so that the fragment layer's bookkeeping (which request a partial answer belongs
/// to) works as in the clear, and the opened record must name the same one. Any failure closes the channel for
/// the rest of the connection (`failed`): Noise's counters cannot be resynchronised, and a new connection runs a
/// new handshake.
struct LinkChannel: Sendable {
    /// Command byte and transaction id in front of the body inside a record.
    static let innerHeaderLength = 2
    /// What a record adds to a message's body.
    static let overhead = innerHeaderLength + SecureChannel.overhead
    /// The largest body a record can carry: a frame's payload is at most 65535 bytes.
    static let maximumBody = LinkFrame.maximumPayloadLength - overhead

    private enum Phase: Sendable {
        /// Messages travel in the clear (`LinkSecurity.plaintext`).
        case plaintext
        /// No handshake message has been sent or received yet.
        case awaitingHandshake(LinkSecurity)
        /// The connection carries the pairing ceremony, in the clear, and nothing else.
        case pairing
        /// The station sent message 1 and waits for message 2.
        case awaitingResponse(HandshakeState, LinkSecurity)
        case open(SecureChannel, rekeyPeriod: Duration, rekeyDue: Duration)
        case failed
    }

    private var phase: Phase
    private let prologue: [UInt8]

    init(security: LinkSecurity, info: LinkInfo) {
        switch security.role {
        case .plaintext: phase = .plaintext
        case .pairingInitiator: phase = .pairing
        case .initiator, .responder: phase = .awaitingHandshake(security)
        }
        prologue = LinkSecurity.prologue(info: info)
    }

    /// Messages may travel: the handshake is done, or there is none.
    var carriesMessages: Bool {
        switch phase {
        case .plaintext, .open: true
        case .awaitingHandshake, .awaitingResponse, .pairing, .failed: false
        }
    }

    var isPairing: Bool {
        if case .pairing = phase { true } else { false }
    }

    /// The card's first PAIRING message on a connection: in pairing mode the connection carries the ceremony
    /// from now on; otherwise false, and nothing changes.
    mutating func beginPairing() -> Bool {
        guard case .awaitingHandshake(let security) = phase,
              case .responder(_, _, acceptsPairing: true) = security.role
        else { return false }
        phase = .pairing
        return true
    }

    var isPlaintext: Bool {
        if case .plaintext = phase { true } else { false }
    }

    var hasFailed: Bool {
        if case .failed = phase { true } else { false }
    }

    /// The station's message 1, in a HANDSHAKE_INITIATION frame.
    mutating func initiate() throws(LinkError) -> LinkFrame {
        guard case .awaitingHandshake(let security) = phase,
              case .initiator(let staticKey, let cardKey) = security.role,
              let ephemeralKey = security.ephemeralKey
        else {
            preconditionFailure("only a station's channel, before its handshake, initiates one")
        }
        var handshake = HandshakeState(
            pattern: .IK, role: .initiator, prologue: prologue, s: staticKey, e: ephemeralKey, rs: cardKey
        )
        let message = try failing { () throws(NoiseError) in try handshake.writeMessage([]) }
        phase = .awaitingResponse(handshake, security)
        return LinkFrame(command: .handshakeInitiation, transaction: 0, payload: message)
    }

    /// What the card does with the station's message 1.
    enum Response {
        /// Message 2 to send: the channel is open with the station whose static key this is.
        case accept(LinkFrame, stationKey: [UInt8])
        /// The station's key is not paired (`.notPaired`) or its message is not a valid message 1
        /// (`.channelFailed`); the channel is closed, nothing but this ERROR goes back, in the clear.
        case refuse(LinkError)
    }

    /// The card's answer to a HANDSHAKE_INITIATION frame.
    mutating func respond(to frame: LinkFrame, now: Duration) -> Response {
        guard case .awaitingHandshake(let security) = phase,
              case .responder(let staticKey, let pairedStations, _) = security.role,
              let ephemeralKey = security.ephemeralKey
        else {
            phase = .failed
            return .refuse(LinkError(.channelFailed, "a second handshake on one connection"))
        }
        var handshake = HandshakeState(pattern: .IK, role: .responder, prologue: prologue, s: staticKey, e: ephemeralKey)
        do throws(NoiseError) {
            _ = try handshake.readMessage(frame.payload)
            guard let stationKey = handshake.remoteStaticKey.map({ Array($0.rawRepresentation) }),
                  pairedStations.contains(stationKey)
            else {
                phase = .failed
                return .refuse(LinkError(.notPaired, "a station that is not paired with this card tried to connect"))
            }
            let message = try handshake.writeMessage([])
            open(handshake, security: security, now: now)
            return .accept(LinkFrame(command: .handshakeResponse, transaction: frame.transaction, payload: message), stationKey: stationKey)
        } catch {
            phase = .failed
            return .refuse(LinkError(.channelFailed, "the station's handshake message is not valid: \(error)"))
        }
    }

    /// The station reads the card's HANDSHAKE_RESPONSE frame: the channel is open, or fails.
    mutating func complete(with frame: LinkFrame, now: Duration) throws(LinkError) {
        guard case .awaitingResponse(var handshake, let security) = phase else {
            throw fail("a handshake response the station did not ask for")
        }
        _ = try failing { () throws(NoiseError) in try handshake.readMessage(frame.payload) }
        open(handshake, security: security, now: now)
    }

    private mutating func open(_ handshake: HandshakeState, security: LinkSecurity, now: Duration) {
        phase = .open(
            SecureChannel(handshake: handshake, rekeyInterval: security.rekeyInterval),
            rekeyPeriod: security.rekeyPeriod, rekeyDue: now + security.rekeyPeriod
        )
    }

    /// The frame that carries `frame` on the link: a RECORD sealing it, or `frame` itself in the clear.
    mutating func seal(_ frame: LinkFrame, now: Duration) throws(LinkError) -> LinkFrame {
        switch phase {
        case .plaintext:
            return frame
        case .open(var channel, let rekeyPeriod, var rekeyDue):
            if now >= rekeyDue {
                channel.rekey()
                rekeyDue = now + rekeyPeriod
            }
            let plaintext = [frame.command.rawValue, frame.transaction] + frame.payload
            let record = try failing { () throws(NoiseError) in try channel.seal(plaintext) }
            phase = .open(channel, rekeyPeriod: rekeyPeriod, rekeyDue: rekeyDue)
            return LinkFrame(command: .record, transaction: frame.transaction, payload: record)
        case .awaitingHandshake, .awaitingResponse, .pairing, .failed:
            preconditionFailure("a message sealed before the channel is open")
        }
    }

    /// The message frame a frame from the peer carries. A frame that is not a valid RECORD closes the channel.
    mutating func open(_ frame: LinkFrame) throws(LinkError) -> LinkFrame {
        switch phase {
        case .plaintext:
            return frame
        case .open(var channel, let rekeyPeriod, let rekeyDue):
            guard frame.command == .record else {
                throw fail("\(frame.command) in the clear where only records are accepted")
            }
            let plaintext = try failing { () throws(NoiseError) in try channel.open(frame.payload) }
            phase = .open(channel, rekeyPeriod: rekeyPeriod, rekeyDue: rekeyDue)
            guard plaintext.count >= Self.innerHeaderLength, LinkFragment.isInitial(plaintext[0]) else {
                throw fail("a record whose plaintext is not a message")
            }
            guard plaintext[1] == frame.transaction else {
                throw fail("a record whose transaction id differs inside and outside")
            }
            return LinkFrame(command: LinkCommand(rawValue: plaintext[0]), transaction: plaintext[1], payload: Array(plaintext.dropFirst(2)))
        case .awaitingHandshake, .awaitingResponse, .pairing, .failed:
            throw fail("\(frame.command) before the secure channel is open")
        }
    }

    /// Closes the channel with `.channelFailed`.
    mutating func fail(_ detail: String) -> LinkError {
        phase = .failed
        return LinkError(.channelFailed, "the secure channel failed: \(detail)")
    }

    private mutating func failing<T>(_ body: () throws(NoiseError) -> T) throws(LinkError) -> T {
        do {
            return try body()
        } catch {
            throw fail(error.description)
        }
    }
}
