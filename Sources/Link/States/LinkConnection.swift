/// One BLE connection as both state machines see it: fragment size and limits fixed at connect time, and the
/// reassembler of the fragments that arrive on it. A reconnect makes a new one; nothing partial survives.
struct LinkConnection: Sendable {
    let fragmenter: LinkFragmenter
    var reassembler: LinkReassembler
    /// The card's limit (info), which the station honours when sending and both sides enforce when receiving.
    let maximumMessage: Int

    init(info: LinkInfo, mtu: Int) throws(LinkError) {
        let fragmentSize = try info.fragmentSize(forMTU: mtu)
        fragmenter = LinkFragmenter(fragmentSize: fragmentSize)
        reassembler = LinkReassembler(fragmentSize: fragmentSize, maximumMessageLength: info.maximumMessage)
        maximumMessage = info.maximumMessage
    }

    /// The fragments of `message` in transaction `transaction`, or `.messageTooLong`/`.invalidMessage`.
    func fragments(of message: LinkMessage, transaction: UInt8) throws(LinkError) -> [[UInt8]] {
        let frame = try message.frame(transaction: transaction)
        guard frame.payload.count <= maximumMessage else {
            throw LinkError(.messageTooLong, "a \(frame.payload.count)-byte \(message.command) is over the card's \(maximumMessage)-byte limit")
        }
        return try fragmenter.fragments(frame)
    }
}
