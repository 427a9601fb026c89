/// One BLE connection as both state machines see it: fragment size and limits fixed at connect time, the
/// reassembler of the fragments that arrive on it, and its secure channel. A reconnect makes a new one; nothing
/// partial survives, and no key either.
struct LinkConnection: Sendable {
    let fragmenter: LinkFragmenter
    var reassembler: LinkReassembler
    var channel: LinkChannel
    /// The largest message body either side sends or accepts: the card's limit (info), less what a record adds
    /// where that would not fit a frame.
    let maximumMessage: Int

    init(info: LinkInfo, mtu: Int, security: LinkSecurity) throws(LinkError) {
        let fragmentSize = try info.fragmentSize(forMTU: mtu)
        channel = LinkChannel(security: security, info: info)
        fragmenter = LinkFragmenter(fragmentSize: fragmentSize)
        if channel.isPlaintext {
            maximumMessage = info.maximumMessage
            reassembler = LinkReassembler(fragmentSize: fragmentSize, maximumMessageLength: info.maximumMessage)
        } else {
            maximumMessage = min(info.maximumMessage, LinkChannel.maximumBody)
            reassembler = LinkReassembler(fragmentSize: fragmentSize, maximumMessageLength: maximumMessage + LinkChannel.overhead)
        }
    }

    /// The fragments of `message` in transaction `transaction`, sealed in a record once the channel is open, or
    /// `.messageTooLong`/`.invalidMessage`/`.channelFailed`.
    mutating func fragments(of message: LinkMessage, transaction: UInt8, now: Duration) throws(LinkError) -> [[UInt8]] {
        let frame = try message.frame(transaction: transaction)
        guard frame.payload.count <= maximumMessage else {
            throw LinkError(.messageTooLong, "a \(frame.payload.count)-byte \(message.command) is over the card's \(maximumMessage)-byte limit")
        }
        return try fragmenter.fragments(try channel.seal(frame, now: now))
    }

    /// The fragments of a frame that travels in the clear whatever the channel's state: the handshake's, and the
    /// card's ERROR about a handshake it refused or a channel that failed.
    func clearFragments(of frame: LinkFrame) -> [[UInt8]] {
        guard let fragments = try? fragmenter.fragments(frame) else {
            preconditionFailure("a handshake message or a 1-byte ERROR always fits a link")
        }
        return fragments
    }
}
