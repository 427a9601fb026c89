/// What the fragment layer carries: a command byte, a transaction id and a payload of up to 0xFFFF bytes. It does
/// not look inside the payload, so the secure channel of a later version can put its records here unchanged.
public struct LinkFrame: Hashable, Sendable {
    /// The 16-bit length field of the initial fragment caps every payload.
    public static let maximumPayloadLength = 0xFFFF

    public var command: LinkCommand
    /// Chosen by the station for each request (1…255), echoed by the card in every fragment it sends about that
    /// request. 0 is "no transaction": the card's ERROR about fragments it could not tie to a request.
    public var transaction: UInt8
    public var payload: [UInt8]

    public init(command: LinkCommand, transaction: UInt8, payload: [UInt8]) {
        self.command = command
        self.transaction = transaction
        self.payload = payload
    }
}
