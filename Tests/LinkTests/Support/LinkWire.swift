import Link

/// Fragments of messages as the other side would send them, for tests that play one side by hand.
enum LinkWire {
    static func fragments(_ message: LinkMessage, transaction: UInt8, mtu: Int = 23) -> [[UInt8]] {
        do {
            let fragmenter = LinkFragmenter(fragmentSize: try LinkFragment.size(forMTU: mtu))
            return try fragmenter.fragments(try message.frame(transaction: transaction))
        } catch {
            preconditionFailure("test message \(message.command) does not frame: \(error)")
        }
    }

    /// The one fragment of a short message.
    static func fragment(_ message: LinkMessage, transaction: UInt8) -> [UInt8] {
        let all = fragments(message, transaction: transaction)
        precondition(all.count == 1, "\(message.command) takes \(all.count) fragments")
        return all[0]
    }
}
