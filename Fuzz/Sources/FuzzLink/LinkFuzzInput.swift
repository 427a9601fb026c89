import FuzzSupport

/// A fuzzer input read as a link session: the ATT MTU, the card's message limit, then events.
///
/// Layout: MTU selector, limit selector, then records, each an opcode byte and its operands:
/// `00 LEN(u16, mod 1024) BYTES` a fragment from the peer; `01 N` N × 10 ms pass; `02` the card finishes its request (card side)
/// or the station cancels (station side); `03` the link drops and comes back; `04 N` the station sends request
/// N % 6 (station side). Unknown opcodes are fragments too, so that most mutations still mean something.
struct LinkFuzzInput {
    enum Event {
        case fragment([UInt8])
        case wait(Duration)
        case finishOrCancel
        case reconnect
        case request(UInt8)
    }

    static let mtus = [23, 24, 50, 185, 247, 517]
    static let limits = [261, 300, 1000, 65535]

    let mtu: Int
    let maximumMessage: Int
    let events: [Event]

    init(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        mtu = Self.mtus[Int(reader.byte()) % Self.mtus.count]
        maximumMessage = Self.limits[Int(reader.byte()) % Self.limits.count]
        var events: [Event] = []
        while !reader.isAtEnd {
            switch reader.byte() {
            case 0x01: events.append(.wait(.milliseconds(10 * Int(reader.byte()))))
            case 0x02: events.append(.finishOrCancel)
            case 0x03: events.append(.reconnect)
            case 0x04: events.append(.request(reader.byte()))
            default: events.append(.fragment(reader.bytes(upTo: reader.uint16() % 1024)))
            }
        }
        self.events = events
    }

    /// The fragments of the input, in order, ignoring every other event.
    var fragments: [[UInt8]] {
        events.compactMap { event in
            if case .fragment(let bytes) = event { bytes } else { nil }
        }
    }
}
