/// The framed reply to one APDU, as `VPCDConnectionStateMachine.sendResponse(_:)` returns it.
public struct VPCDResponseFrame: Hashable, Sendable {
    /// Why the card's own reply could not be sent, in which case `bytes` carries `6F 00` instead.
    public enum Substitution: Hashable, Sendable, CustomStringConvertible {
        /// The card returned fewer than 2 bytes, so no status word. An empty reply would make vpcd eject the
        /// card, and a 1-byte reply is no R-APDU PC/SC can parse.
        case missingStatusWord(length: Int)
        /// The card returned more than 0xFFFF bytes, which the vpcd length field cannot carry.
        case tooLong(length: Int)

        public var description: String {
            switch self {
            case .missingStatusWord(let length): "a \(length)-byte reply has no status word"
            case .tooLong(let length): "a \(length)-byte reply exceeds vpcd's \(VPCDFrame.maximumPayloadLength) bytes"
            }
        }
    }

    /// The length-prefixed frame to write to vpcd.
    public let bytes: [UInt8]
    /// Set when the card's reply was replaced by `6F 00` (SW "no precise diagnosis").
    public let substitution: Substitution?
}
