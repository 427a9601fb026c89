import FuzzSupport
import Link

/// The reassembler fed the input's fragments, checked against what the protocol promises for any stream:
///
/// - a frame is delivered only from an initial fragment and continuations numbered 0, 1, … (mod 128) whose bytes,
///   in order, are exactly the frame's payload, of the length its header gave, within the limit;
/// - after any error, the fragments of a well-formed frame are read back as that frame;
/// - a delivered frame that reads as a message writes back to the same frame, and its fragments at this size
///   read back as the same frame;
/// - the input read as the info characteristic either fails or writes back to its first 10 bytes.
struct FragmentStreamRun {
    private let input: LinkFuzzInput
    private let rawInput: [UInt8]

    init(_ bytes: [UInt8]) {
        rawInput = bytes
        input = LinkFuzzInput(bytes)
    }

    func check() {
        checkInfo()
        guard let fragmentSize = try? LinkFragment.size(forMTU: input.mtu) else {
            invariant(false, "MTU \(input.mtu) has no fragment size")
            return
        }
        var reassembler = LinkReassembler(fragmentSize: fragmentSize, maximumMessageLength: input.maximumMessage)
        var sinceInitial: [[UInt8]] = []
        for fragment in input.fragments {
            if let first = fragment.first, first & 0x80 != 0 {
                sinceInitial = [fragment]
            } else {
                sinceInitial.append(fragment)
            }
            let frame: LinkFrame?
            do throws(LinkError) {
                frame = try reassembler.receive(fragment)
            } catch {
                invariant(!reassembler.isAssembling, "the reassembler kept a message after \(error.code)")
                checkRecovery(&reassembler, fragmentSize: fragmentSize)
                sinceInitial = []
                continue
            }
            guard let frame else { continue }
            checkProvenance(frame, of: sinceInitial)
            checkRoundTrip(frame, fragmentSize: fragmentSize)
            sinceInitial = []
        }
    }

    private func checkProvenance(_ frame: LinkFrame, of fragments: [[UInt8]]) {
        invariant(frame.payload.count <= input.maximumMessage, "a \(frame.payload.count)-byte frame over the \(input.maximumMessage) limit")
        guard let initial = fragments.first, initial.count >= 4 else {
            invariant(false, "a frame without its initial fragment")
            return
        }
        invariant(initial[0] == frame.command.rawValue && initial[1] == frame.transaction, "header \(initial.prefix(2).hex) gave another frame")
        invariant(Int(initial[2]) << 8 | Int(initial[3]) == frame.payload.count, "the length field \(initial[2...3].hex) differs from the payload")
        var payload = Array(initial[4...])
        for (index, continuation) in fragments.dropFirst().enumerated() {
            invariant(Int(continuation[0]) == index % 128, "continuation \(index) carried sequence \(continuation[0])")
            payload += continuation.dropFirst()
        }
        invariant(payload == frame.payload, "the payload is not the fragments' bytes in order")
    }

    private func checkRoundTrip(_ frame: LinkFrame, fragmentSize: Int) {
        if let message = try? LinkMessage(frame: frame) {
            invariant((try? message.frame(transaction: frame.transaction)) == frame, "\(message.command) does not write back to its frame")
        }
        var fresh = LinkReassembler(fragmentSize: fragmentSize, maximumMessageLength: input.maximumMessage)
        invariant(Self.feed(frame, to: &fresh, fragmentSize: fragmentSize) == frame, "a delivered frame does not survive re-fragmenting")
    }

    private func checkRecovery(_ reassembler: inout LinkReassembler, fragmentSize: Int) {
        let probe = LinkFrame(command: .ping, transaction: 0x5A, payload: Array(0..<UInt8(fragmentSize % 200 + 30)))
        invariant(Self.feed(probe, to: &reassembler, fragmentSize: fragmentSize) == probe, "the reassembler did not recover after an error")
    }

    private static func feed(_ frame: LinkFrame, to reassembler: inout LinkReassembler, fragmentSize: Int) -> LinkFrame? {
        guard let fragments = try? LinkFragmenter(fragmentSize: fragmentSize).fragments(frame) else { return nil }
        var delivered: LinkFrame?
        for fragment in fragments {
            delivered = try? reassembler.receive(fragment)
        }
        return delivered
    }

    private func checkInfo() {
        guard let info = try? LinkInfo(bytes: rawInput) else {
            return
        }
        invariant(info.bytes == Array(rawInput.prefix(LinkInfo.encodedLength)), "info \(rawInput.prefix(10).hex) writes back as \(info.bytes.hex)")
    }
}
