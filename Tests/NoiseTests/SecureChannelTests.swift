import Crypto
import Noise
import PivlinkTesting
import Testing

/// The record layer over a real IK handshake. A SecureChannel is a value, so a test can try a bad record on a copy
/// and keep the original channel alive for the next case.
@Suite("SecureChannel: pivlink's records (header ‖ ChaChaPoly, implicit counters, one-way rekeying)")
struct SecureChannelTests {
    private static let apdu = hex("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00")

    @Test("records both ways: header 00, 17 bytes over the plaintext, same h and the peer's static key")
    func roundTrip() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        #expect(station.handshakeHash == card.handshakeHash)
        #expect(card.remoteStaticKey?.rawRepresentation == NoiseTestKeys.station.publicKey.rawRepresentation)
        #expect(station.remoteStaticKey?.rawRepresentation == NoiseTestKeys.card.publicKey.rawRepresentation)
        for count in [0, 1, 15, 16, 17, 300] {
            let request = [UInt8](repeating: UInt8(count & 0xFF), count: count)
            let record = try station.seal(request)
            #expect(record.count == request.count + SecureChannel.overhead)
            #expect(record.first == 0x00)
            #expect(try card.open(record) == request)
            let answer = try card.seal(request + [0x90, 0x00])
            #expect(try station.open(answer) == request + [0x90, 0x00])
        }
    }

    @Test("the same APDU sealed twice gives different records, and no record carries the plaintext")
    func identicalPlaintexts() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        let first = try station.seal(Self.apdu)
        let second = try station.seal(Self.apdu)
        #expect(first != second)
        #expect(Array(first.dropFirst().prefix(Self.apdu.count)) != Self.apdu)
        #expect(try card.open(first) == Self.apdu)
        #expect(try card.open(second) == Self.apdu)
    }

    @Test("a replayed record fails and ends the channel; then nothing opens or seals")
    func replay() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        let record = try station.seal(Self.apdu)
        _ = try card.open(record)
        let failure = #expect(throws: NoiseError.self) { try card.open(record) }
        #expect(failure?.code == .decryptionFailed)
        #expect(card.isClosed)
        let next = try station.seal(Self.apdu)
        let afterwards = #expect(throws: NoiseError.self) { try card.open(next) }
        #expect(afterwards?.code == .channelClosed)
        let sealing = #expect(throws: NoiseError.self) { try card.seal(Self.apdu) }
        #expect(sealing?.code == .channelClosed)
    }

    @Test("a reordered or dropped record fails and ends the channel")
    func reorderAndDrop() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        let first = try station.seal(Self.apdu)
        let second = try station.seal(Self.apdu)
        var reordered = card
        #expect(throws: NoiseError.self) { try reordered.open(second) }
        #expect(reordered.isClosed)
        #expect(throws: NoiseError.self) { try reordered.open(first) }
        var dropped = card
        let failure = #expect(throws: NoiseError.self) { try dropped.open(second) }
        #expect(failure?.code == .decryptionFailed)
        #expect(try card.open(first) == Self.apdu)
        #expect(try card.open(second) == Self.apdu)
    }

    @Test("every truncation and extension of a record fails and ends the channel")
    func truncation() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        let record = try station.seal(Self.apdu)
        for length in 0..<record.count {
            var copy = card
            let failure = #expect(throws: NoiseError.self) { try copy.open(Array(record.prefix(length))) }
            #expect(failure?.code == (length < SecureChannel.overhead ? .truncated : .decryptionFailed))
            #expect(copy.isClosed)
        }
        var extended = card
        #expect(throws: NoiseError.self) { try extended.open(record + [0x00]) }
        #expect(try card.open(record) == Self.apdu)
    }

    @Test("every altered byte of a record, header included, fails and ends the channel")
    func forgery() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        let record = try station.seal(Self.apdu)
        for index in record.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var forged = record
                forged[index] ^= flip
                var copy = card
                let failure = #expect(throws: NoiseError.self) { try copy.open(forged) }
                let expected: NoiseError.Code = index == 0 && flip == 0x80 ? .malformedRecord : .decryptionFailed
                #expect(failure?.code == expected, "byte \(index) ^ \(flip)")
                #expect(copy.isClosed)
            }
        }
        let cross = try card.seal(Self.apdu)
        var reflected = card
        #expect(throws: NoiseError.self) { try reflected.open(cross) }
        #expect(try card.open(record) == Self.apdu)
    }

    @Test("records from another session are refused")
    func otherSession() throws {
        var (stationA, _) = try NoiseTestKeys.channelPair(session: "A")
        var (_, cardB) = try NoiseTestKeys.channelPair(session: "B")
        let failure = #expect(throws: NoiseError.self) { try cardB.open(try stationA.seal(Self.apdu)) }
        #expect(failure?.code == .decryptionFailed)
    }

    @Test("after rekeyInterval records the sender rekeys and flags the next record; the receiver follows")
    func rekeyByCount() throws {
        var (station, card) = try NoiseTestKeys.channelPair(rekeyInterval: 3)
        var headers: [UInt8] = []
        for index in 0..<10 {
            #expect(station.needsRekey == (index > 0 && index.isMultiple(of: 3)))
            let record = try station.seal([UInt8(index)])
            headers.append(record[0])
            #expect(try card.open(record) == [UInt8(index)])
        }
        #expect(headers == [0, 0, 0, 1, 0, 0, 1, 0, 0, 1])
    }

    @Test("rekey equivalence: a flagged record is ChaChaPoly under Rekey(k) at the continuing nonce, header as AD")
    func rekeyEquivalence() throws {
        var (initiator, responder) = NoiseTestKeys.ikPair()
        _ = try responder.readMessage(try initiator.writeMessage([]))
        _ = try initiator.readMessage(try responder.writeMessage([]))
        var reference = try #require(initiator.transportCipherStates).initiatorToResponder
        var station = SecureChannel(handshake: initiator)

        #expect(try station.seal(Self.apdu) == [0x00] + reference.encryptWithAd([0x00], Self.apdu))
        station.rekey()
        station.rekey()
        reference.rekey()
        #expect(try station.seal(Self.apdu) == [0x01] + reference.encryptWithAd([0x01], Self.apdu))
        #expect(try station.seal(Self.apdu) == [0x00] + reference.encryptWithAd([0x00], Self.apdu))
        #expect(reference.n == 3)
    }

    @Test("a rekey asked for by the shell: the peer follows the flag, and the old key does not open the record")
    func rekeyOnRequest() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        #expect(try card.open(try station.seal(Self.apdu)) == Self.apdu)
        card.rekey()
        let answer = try card.seal([0x90, 0x00])
        #expect(answer[0] == 0x01)
        var unflagged = answer
        unflagged[0] = 0x00
        var copy = station
        #expect(throws: NoiseError.self) { try copy.open(unflagged) }
        #expect(try station.open(answer) == [0x90, 0x00])
        #expect(try station.open(try card.seal([0x61, 0x00])) == [0x61, 0x00])
    }

    @Test("a peer that keeps one key for more than the interval is refused")
    func rekeyOverdue() throws {
        let (stationLax, _) = try NoiseTestKeys.channelPair(rekeyInterval: 5)
        let (_, cardStrict) = try NoiseTestKeys.channelPair(rekeyInterval: 3)
        var station = stationLax
        var card = cardStrict
        for index in 0..<3 {
            #expect(try card.open(try station.seal([UInt8(index)])) == [UInt8(index)])
        }
        let failure = #expect(throws: NoiseError.self) { try card.open(try station.seal([3])) }
        #expect(failure?.code == .rekeyOverdue)
        #expect(card.isClosed)
    }

    @Test("the largest record is 65535 bytes; a larger plaintext is refused without closing, a larger record with")
    func sizeLimits() throws {
        var (station, card) = try NoiseTestKeys.channelPair()
        let largest = [UInt8](repeating: 0x5A, count: SecureChannel.maximumPlaintextLength)
        let record = try station.seal(largest)
        #expect(record.count == 65535)
        #expect(try card.open(record) == largest)
        let tooMuch = #expect(throws: NoiseError.self) { try station.seal(largest + [0]) }
        #expect(tooMuch?.code == .messageTooLong)
        #expect(!station.isClosed)
        let tooLong = #expect(throws: NoiseError.self) { try card.open(record + [0]) }
        #expect(tooLong?.code == .messageTooLong)
        #expect(card.isClosed)
    }
}
