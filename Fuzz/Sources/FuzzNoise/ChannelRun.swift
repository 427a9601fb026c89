import FuzzSupport
import Noise

/// An established channel fed records by the input, mixing the station's genuine records with altered, dropped,
/// replayed and raw ones, and rekeys from either side. Ops, one byte each plus operands:
///
///     00 N      the station seals N bytes; the card opens the record
///     01 L L …  the card opens L (u16) raw bytes from the input
///     02 I X    the station seals a record; its byte I (mod length) is XORed with X; the card opens it
///     03        the card opens again the last record it opened
///     04        the station rekeys
///     05 N      the station seals N bytes and the record is lost
///     06 N      the card rekeys and seals N bytes; the station opens the record
///
/// Checked against a model: a genuine record opens, to its plaintext, exactly when the channel is open and no
/// record was lost before it; every other record is refused (nothing can be forged), and a refusal closes the
/// channel for good, so later calls throw `channelClosed`.
struct ChannelRun {
    private var reader: ByteReader
    private var serial = 0

    init(_ bytes: [UInt8]) { reader = ByteReader(bytes) }

    private struct Model {
        var station = NoiseFixture.channels.station
        var card = NoiseFixture.channels.card
        var lost = false
        var lastOpened: [UInt8]?
    }

    mutating func check() {
        var model = Model()
        while !reader.isAtEnd {
            let op = reader.byte()
            switch op % 7 {
            case 0:
                let plaintext = nextPlaintext(count: Int(reader.byte()))
                guard let record = Self.seal(plaintext, by: &model.station) else { continue }
                open(record, expecting: model.lost ? nil : plaintext, model: &model)
            case 1:
                let record = reader.bytes(upTo: reader.uint16())
                open(record, expecting: nil, model: &model)
            case 2:
                let index = Int(reader.byte())
                let flip = reader.byte()
                let plaintext = nextPlaintext(count: 5)
                guard var record = Self.seal(plaintext, by: &model.station) else { continue }
                record[index % record.count] ^= flip
                open(record, expecting: flip == 0 && !model.lost ? plaintext : nil, model: &model)
            case 3:
                guard let record = model.lastOpened else { continue }
                open(record, expecting: nil, model: &model)
            case 4:
                model.station.rekey()
            case 5:
                let plaintext = nextPlaintext(count: Int(reader.byte()))
                if Self.seal(plaintext, by: &model.station) != nil {
                    model.lost = true
                }
            default:
                let plaintext = nextPlaintext(count: Int(reader.byte()))
                model.card.rekey()
                guard let record = Self.seal(plaintext, by: &model.card) else { continue }
                checkStationOpens(record, plaintext, model: &model)
            }
        }
    }

    /// A plaintext that differs from one record to the next.
    private mutating func nextPlaintext(count: Int) -> [UInt8] {
        serial += 1
        return (0..<count).map { UInt8(truncatingIfNeeded: serial &+ $0) }
    }

    private static func seal(_ plaintext: [UInt8], by channel: inout SecureChannel) -> [UInt8]? {
        let wasClosed = channel.isClosed
        do throws(NoiseError) {
            let record = try channel.seal(plaintext)
            invariant(!wasClosed, "a closed channel sealed a record")
            invariant(record.count == plaintext.count + SecureChannel.overhead, "a record of the wrong length")
            return record
        } catch {
            invariant(wasClosed && error.code == .channelClosed, "sealing failed on an open channel: \(error.code)")
            return nil
        }
    }

    private func open(_ record: [UInt8], expecting plaintext: [UInt8]?, model: inout Model) {
        let wasClosed = model.card.isClosed
        do throws(NoiseError) {
            let opened = try model.card.open(record)
            invariant(!wasClosed, "a closed channel opened a record")
            invariant(opened == plaintext, "the card accepted a record it should have refused: \(record.hex)")
            model.lastOpened = record
        } catch {
            invariant(plaintext == nil || wasClosed, "the card refused a genuine record: \(error.code)")
            invariant(model.card.isClosed, "a refused record left the channel open")
            invariant((error.code == .channelClosed) == wasClosed, "\(error.code) on a channel closed: \(wasClosed)")
        }
    }

    private func checkStationOpens(_ record: [UInt8], _ plaintext: [UInt8], model: inout Model) {
        do throws(NoiseError) {
            let opened = try model.station.open(record)
            invariant(opened == plaintext, "the station opened the card's record wrong")
        } catch {
            invariant(false, "the station refused the card's genuine record: \(error.code)")
        }
    }
}
