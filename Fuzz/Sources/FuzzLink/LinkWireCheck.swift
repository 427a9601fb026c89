import FuzzSupport
import Link

/// Reads what one side sent, as the other side would: each batch of fragments must be exactly one frame, within
/// the fragment size and the card's limit, that reads as a message.
struct LinkWireCheck {
    private let fragmentSize: Int
    private let maximumMessage: Int

    init(fragmentSize: Int, maximumMessage: Int) {
        self.fragmentSize = fragmentSize
        self.maximumMessage = maximumMessage
    }

    func message(in fragments: [[UInt8]], from side: String) -> (message: LinkMessage, transaction: UInt8)? {
        var reassembler = LinkReassembler(fragmentSize: fragmentSize, maximumMessageLength: maximumMessage)
        var frames: [LinkFrame] = []
        for fragment in fragments {
            invariant(fragment.count <= fragmentSize, "the \(side) sent a \(fragment.count)-byte fragment; the size is \(fragmentSize)")
            do throws(LinkError) {
                if let frame = try reassembler.receive(fragment) { frames.append(frame) }
            } catch {
                invariant(false, "the \(side) sent fragments its peer refuses: \(error.code) \(error.detail)")
            }
        }
        invariant(frames.count == 1, "the \(side) sent \(frames.count) messages in one batch")
        guard let frame = frames.first else { return nil }
        do throws(LinkError) {
            return (try LinkMessage(frame: frame), frame.transaction)
        } catch {
            invariant(false, "the \(side) sent a frame its peer cannot read: \(error.code)")
            return nil
        }
    }
}
