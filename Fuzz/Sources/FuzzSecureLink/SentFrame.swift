import FuzzSupport
import Link

/// What a machine under test sent, read as its peer would: the frame of one batch of fragments and, when it is a
/// 5-byte clear ERROR, its code.
struct SentFrame {
    let frame: LinkFrame

    /// The batch must be exactly one frame, in fragments within the fragment size.
    init?(_ fragments: [[UInt8]], fragmentSize: Int, from side: String) {
        var reassembler = LinkReassembler(fragmentSize: fragmentSize)
        var frames: [LinkFrame] = []
        for fragment in fragments {
            invariant(fragment.count <= fragmentSize, "the \(side) sent a \(fragment.count)-byte fragment; the size is \(fragmentSize)")
            do throws(LinkError) {
                if let frame = try reassembler.receive(fragment) { frames.append(frame) }
            } catch {
                invariant(false, "the \(side) sent fragments its peer refuses: \(error.code) \(error.detail)")
            }
        }
        invariant(frames.count == 1, "the \(side) sent \(frames.count) frames in one batch")
        guard let frame = frames.first else { return nil }
        self.frame = frame
    }

    /// The code of a clear ERROR (BF TX 00 01 CODE), nil for any other frame.
    var clearError: LinkErrorCode? {
        guard frame.command == .error, frame.payload.count == 1 else { return nil }
        return LinkErrorCode(rawValue: frame.payload[0])
    }
}

/// The fragments a machine was fed since the last initial fragment: the ones its reassembler built its last frame
/// from, when that frame completes.
struct FragmentTrail {
    private(set) var fragments: [[UInt8]] = []

    mutating func record(_ fragment: [UInt8]) {
        if let first = fragment.first, first & 0x80 != 0 {
            fragments = [fragment]
        } else {
            fragments.append(fragment)
        }
    }
}

extension [[UInt8]] {
    /// The same fragments but for the transaction id of the initial one, which the handshake does not authenticate
    /// (the card echoes message 1's in message 2).
    func matchesHandshake(_ genuine: [[UInt8]]) -> Bool {
        guard count == genuine.count, let first, let genuineFirst = genuine.first, first.count == genuineFirst.count,
              first.count >= 2
        else { return false }
        return first[0] == genuineFirst[0] && first.dropFirst(2) == genuineFirst.dropFirst(2) && dropFirst() == genuine.dropFirst()
    }
}

/// Clear frames an attacker in radio range could inject, by kind.
enum InjectedFrame {
    static func fragments(kind: UInt8, transaction: UInt8, fragmentSize: Int, genuineHandshake: [[UInt8]]) -> [[UInt8]] {
        let frame: LinkFrame
        switch kind % 9 {
        case 0: frame = LinkFrame(command: .error, transaction: transaction, payload: [LinkErrorCode.channelFailed.rawValue])
        case 1: frame = LinkFrame(command: .error, transaction: transaction, payload: [LinkErrorCode.notPaired.rawValue])
        case 2: frame = LinkFrame(command: .apdu, transaction: transaction, payload: [0x00, 0xA4, 0x04, 0x00, 0x00])
        case 3: frame = LinkFrame(command: .ping, transaction: transaction, payload: [0xAA, 0xBB])
        case 4: return genuineHandshake
        case 5: frame = LinkFrame(command: .pairing, transaction: transaction, payload: [0x01, 0x01])
        case 6: frame = LinkFrame(command: .record, transaction: transaction, payload: [0x00] + [UInt8](repeating: 0, count: 20))
        case 7: frame = LinkFrame(command: .unpair, transaction: transaction, payload: [])
        default: frame = LinkFrame(command: .keepalive, transaction: transaction, payload: [0x01])
        }
        guard let fragments = try? LinkFragmenter(fragmentSize: fragmentSize).fragments(frame) else {
            invariant(false, "an injected \(frame.command) does not fragment")
            return []
        }
        return fragments
    }
}
