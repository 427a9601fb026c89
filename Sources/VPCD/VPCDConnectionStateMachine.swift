/// The card's side of one vpcd connection, without I/O: bytes from vpcd in, actions out.
///
/// vpcd is lock-step: after sending an APDU it holds its I/O lock until the reply arrives, and control codes
/// 00/01/02 get no reply. The machine answers GET ATR itself from the ATR it was built with (vpcd asks for it
/// every 400 ms as its presence check), turns control codes into card events, and hands each APDU to the
/// shell, whose answer comes back through `sendResponse(_:)`. One machine serves one connection: make a new
/// one when vpcd reconnects.
public struct VPCDConnectionStateMachine {
    private enum State {
        /// Waiting for vpcd's next message.
        case idle
        /// An APDU went to the shell; its reply has not been sent yet.
        case awaitingResponse
        /// The peer broke the protocol; nothing more is read or sent.
        case closed
    }

    /// `SW 6F00`, "no precise diagnosis": sent when the card's reply cannot travel over vpcd.
    public static let substituteResponse: [UInt8] = [0x6F, 0x00]

    /// ATRs longer than this do not fit vpcd's buffer (`MAX_ATR_SIZE` in pcsc-lite).
    public static let maximumATRLength = 33

    private let atrFrame: [UInt8]
    private var decoder = VPCDFrameDecoder()
    private var state = State.idle

    /// - Parameter atr: the card's ATR, 2 to 33 bytes.
    public init(atr: [UInt8]) throws(VPCDError) {
        guard (2...Self.maximumATRLength).contains(atr.count) else {
            throw VPCDError(
                .invalidATR,
                "the card's ATR has \(atr.count) bytes; vpcd needs 2 to \(Self.maximumATRLength)"
            )
        }
        atrFrame = try VPCDFrame.encode(atr)
    }

    /// True after `.close` was returned: the shell must close the connection.
    public var isClosed: Bool {
        switch state {
        case .closed: true
        case .idle, .awaitingResponse: false
        }
    }

    /// True while an `.apdu` action awaits `sendResponse(_:)`.
    public var isAwaitingResponse: Bool {
        switch state {
        case .awaitingResponse: true
        case .idle, .closed: false
        }
    }

    /// Consumes bytes read from vpcd. Returns the actions to perform, in order; `.close` is always last.
    /// If the batch ends in `.close` (a message while an APDU is unanswered, or an invalid frame), an APDU
    /// received in the same batch is withdrawn, so the shell never runs a command whose reply cannot be sent.
    public mutating func receive(bytes: some Collection<UInt8>) -> [VPCDAction] {
        switch state {
        case .closed:
            return []
        case .idle, .awaitingResponse:
            break
        }
        var messages: [VPCDMessage] = []
        var decodingError: VPCDError?
        do throws(VPCDError) {
            try decoder.decode(bytes) { messages.append($0) }
        } catch {
            decodingError = error
        }
        var actions: [VPCDAction] = []
        for message in messages {
            handle(message, into: &actions)
        }
        if let decodingError, !isClosed {
            close(decodingError, actions: &actions)
        }
        return actions
    }

    /// Frames the card's reply to the outstanding APDU. Returns nil if the connection was closed while the
    /// card worked (the reply has nowhere to go). A reply that vpcd cannot carry becomes `6F 00`, reported in
    /// `substitution`.
    ///
    /// Calling this when no APDU is outstanding is a bug in the caller and traps.
    public mutating func sendResponse(_ response: [UInt8]) -> VPCDResponseFrame? {
        switch state {
        case .closed:
            return nil
        case .idle:
            preconditionFailure("sendResponse(_:) without an outstanding APDU")
        case .awaitingResponse:
            state = .idle
        }
        let substitution: VPCDResponseFrame.Substitution? =
            if response.count < 2 {
                .missingStatusWord(length: response.count)
            } else if response.count > VPCDFrame.maximumPayloadLength {
                .tooLong(length: response.count)
            } else {
                nil
            }
        let payload = substitution == nil ? response : Self.substituteResponse
        do throws(VPCDError) {
            return VPCDResponseFrame(bytes: try VPCDFrame.encode(payload), substitution: substitution)
        } catch {
            preconditionFailure("a 2...0xFFFF-byte payload always encodes: \(error)")
        }
    }

    private mutating func handle(_ message: VPCDMessage, into actions: inout [VPCDAction]) {
        switch state {
        case .closed:
            return
        case .awaitingResponse:
            let error = VPCDError(
                .unexpectedMessage,
                "vpcd peer sent a message before the reply to its APDU; vpcd itself never does"
            )
            close(error, actions: &actions)
            return
        case .idle:
            break
        }
        switch message {
        case .powerOff:
            actions.append(.powerOff)
        case .powerOn:
            actions.append(.powerOn)
        case .reset:
            actions.append(.reset)
        case .getATR:
            actions.append(.send(atrFrame))
        case .unknownControl:
            break
        case .apdu(let command):
            state = .awaitingResponse
            actions.append(.apdu(command))
        }
    }

    /// Closes the connection. An APDU of this same batch that has not reached the card yet is withdrawn, so
    /// the card never runs a command whose reply cannot be sent.
    private mutating func close(_ error: VPCDError, actions: inout [VPCDAction]) {
        if case .apdu = actions.last {
            actions.removeLast()
        }
        state = .closed
        actions.append(.close(error))
    }
}
