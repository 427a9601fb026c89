/// Why a side ended the ceremony, as carried in an ABORT message (docs/pairing-protocol.md).
public enum PairingAbortReason: UInt8, Hashable, Sendable, CaseIterable {
    /// The user said the two codes differ.
    case rejected = 0x01
    /// A script confirmed a code that is not the one shown.
    case codeMismatch = 0x02
    /// A message or a confirmation did not come in time.
    case timeout = 0x03
    /// A malformed or unexpected message, a commitment or confirmation that does not check out.
    case protocolError = 0x04
    /// The user or the shell gave up.
    case cancelled = 0x05

    var explanation: String {
        switch self {
        case .rejected: "its user said the codes differ; pair again, and if the codes differ again someone may be in the middle"
        case .codeMismatch: "the code confirmed there is not the one it showed; pair again and compare the codes"
        case .timeout: "it waited too long for a message or a confirmation; pair again"
        case .protocolError: "it received a message it could not accept; pair again"
        case .cancelled: "it was cancelled; pair again when ready"
        }
    }
}
