/// An ISO 7816-4 command APDU in any of the four cases, short or extended length.
public struct CommandAPDU: Equatable, Sendable {
    public var cla: UInt8
    public var ins: UInt8
    public var p1: UInt8
    public var p2: UInt8
    public var data: [UInt8]
    /// Expected response length; `nil` when absent. Short `00` is 256, extended `0000` is 65536.
    public var le: Int?

    public init(cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil) {
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
    }

    /// CLA bit 5 (0x10): more links of a command chain follow (ISO 7816-4 §5.3.3).
    public var isChainContinuation: Bool { cla & 0x10 != 0 }

    /// Parses the bytes of one command; every length inconsistency is an error.
    public init(parsing bytes: [UInt8]) throws(APDUError) {
        guard bytes.count >= 4 else { throw APDUError(.tooShort, "a command needs 4 header bytes, got \(bytes.count)") }
        self.init(cla: bytes[0], ins: bytes[1], p1: bytes[2], p2: bytes[3])
        let body = bytes[4...]
        switch body.count {
        case 0:
            return
        case 1:
            le = body.first == 0 ? 256 : Int(body[body.startIndex])
            return
        default:
            break
        }
        let b0 = Int(body[body.startIndex])
        if b0 != 0 {
            // Short Lc: case 3S (no Le) or 4S (one Le byte).
            let dataEnd = body.startIndex + 1 + b0
            switch body.count - 1 - b0 {
            case 0:
                data = Array(body[(body.startIndex + 1)..<dataEnd])
            case 1:
                data = Array(body[(body.startIndex + 1)..<dataEnd])
                le = body[dataEnd] == 0 ? 256 : Int(body[dataEnd])
            default:
                throw APDUError(.lengthMismatch, "Lc \(b0) does not match \(body.count) body bytes")
            }
            return
        }
        // Extended length: 00 followed by two bytes.
        guard body.count >= 3 else { throw APDUError(.lengthMismatch, "truncated extended length") }
        let first = Int(body[body.startIndex + 1]) << 8 | Int(body[body.startIndex + 2])
        if body.count == 3 {
            le = first == 0 ? 65536 : first
            return
        }
        guard first != 0 else { throw APDUError(.zeroExtendedLc, "extended Lc of zero") }
        let dataStart = body.startIndex + 3
        let dataEnd = dataStart + first
        switch body.count - 3 - first {
        case 0:
            data = Array(body[dataStart..<dataEnd])
        case 2:
            data = Array(body[dataStart..<dataEnd])
            let ext = Int(body[dataEnd]) << 8 | Int(body[dataEnd + 1])
            le = ext == 0 ? 65536 : ext
        default:
            throw APDUError(.lengthMismatch, "extended Lc \(first) does not match \(body.count) body bytes")
        }
    }

    /// The wire form: short lengths when they fit, extended otherwise.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = [cla, ins, p1, p2]
        let extended = data.count > 255 || (le ?? 0) > 256
        if extended {
            out.append(0)
            if !data.isEmpty {
                out += [UInt8(data.count >> 8), UInt8(data.count & 0xFF)]
                out += data
            }
            if let le {
                let value = le == 65536 ? 0 : le
                out += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
        } else {
            if !data.isEmpty {
                out.append(UInt8(data.count))
                out += data
            }
            if let le { out.append(le == 256 ? 0 : UInt8(le)) }
        }
        return out
    }
}
