import FuzzSupport

/// A fuzzer input read as one connection over the secure channel, after the selector byte (main.swift).
///
/// Layout: flags (01 the card does not know this station, 02 the card is in pairing mode), MTU selector, rekeying
/// selector (SecureLinkFixture.rekeyings), then records, each an opcode byte and its operands:
/// `00 LEN(u16, mod 1024) BYTES` a raw fragment; `01 N` N × 10 ms pass; `02` the next genuine batch, intact;
/// `03 N` the station sends request N; `04 P B` the next batch with bit B of byte P flipped; `05 N` the next batch
/// cut to N bytes; `06 I` the next batch with its fragment I sent twice; `07 I` the next batch with fragments I and
/// I+1 swapped; `08` the batch after the next one, intact (reordering); `09 K` fragment K of those delivered
/// before, again (replay); `0A` the next batch lost; `0B K T` clear frame K with transaction T injected; `0C` the
/// card finishes its request; `0D` the station cancels. Unknown opcodes are raw fragments too, so that most
/// mutations still mean something.
struct SecureLinkInput {
    enum Event {
        case fragment([UInt8])
        case wait(Duration)
        case deliver(Delivery)
        case request(UInt8)
        case inject(kind: UInt8, transaction: UInt8)
        case finish
        case cancel
    }

    let unpaired: Bool
    let acceptsPairing: Bool
    let fixture: SecureLinkFixture
    let events: [Event]

    init(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        let flags = reader.byte()
        unpaired = flags & 0x01 != 0
        acceptsPairing = flags & 0x02 != 0
        let mtu = Int(reader.byte()) % SecureLinkFixture.mtus.count
        let rekeying = Int(reader.byte()) % SecureLinkFixture.rekeyings.count
        fixture = SecureLinkFixture.all[mtu * SecureLinkFixture.rekeyings.count + rekeying]
        var events: [Event] = []
        while !reader.isAtEnd {
            switch reader.byte() {
            case 0x01: events.append(.wait(.milliseconds(10 * Int(reader.byte()))))
            case 0x02: events.append(.deliver(.intact))
            case 0x03: events.append(.request(reader.byte()))
            case 0x04: events.append(.deliver(.flipped(at: reader.uint16(), bit: reader.byte() % 8)))
            case 0x05: events.append(.deliver(.truncated(to: reader.uint16())))
            case 0x06: events.append(.deliver(.duplicated(fragment: Int(reader.byte()))))
            case 0x07: events.append(.deliver(.swapped(fragment: Int(reader.byte()))))
            case 0x08: events.append(.deliver(.afterNext))
            case 0x09: events.append(.deliver(.replayed(fragment: Int(reader.byte()))))
            case 0x0A: events.append(.deliver(.lost))
            case 0x0B: events.append(.inject(kind: reader.byte(), transaction: reader.byte()))
            case 0x0C: events.append(.finish)
            case 0x0D: events.append(.cancel)
            default: events.append(.fragment(reader.bytes(upTo: reader.uint16() % 1024)))
            }
        }
        self.events = events
    }
}
