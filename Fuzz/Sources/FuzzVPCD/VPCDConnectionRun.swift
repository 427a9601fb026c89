import FuzzSupport
import VPCD

/// One vpcd connection fed from a fuzzer input, checked against a reference reading of the same stream.
///
/// Input: the ATR length (the ATR is that many bytes of a fixed pattern), then reads, each a length byte and
/// that many stream bytes. The reply to an APDU depends on its last byte: `00` no bytes, `01` one byte, `FF`
/// more than a vpcd frame can carry, anything else the APDU echoed back.
///
/// Checked: the machine accepts exactly the ATRs of 2...33 bytes; decoding in reads of any size yields the
/// messages (and the error) of decoding the whole stream at once; every action follows from those messages in
/// order; `.close` ends a batch and the connection, an `.apdu` is only ever the last action of a batch; ATR and
/// response frames decode back to what they carry, and a reply vpcd cannot carry becomes `6F 00`.
struct VPCDConnectionRun {
    private let atr: [UInt8]
    private let reads: [[UInt8]]

    init(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        let atrLength = Int(reader.byte() % 40)
        atr = (0..<atrLength).map { UInt8(truncatingIfNeeded: 0x3B &+ $0) }
        var reads: [[UInt8]] = []
        while !reader.isAtEnd {
            reads.append(reader.bytes(upTo: Int(reader.byte())))
        }
        self.reads = reads
    }

    func check() {
        let machine: VPCDConnectionStateMachine
        do throws(VPCDError) {
            machine = try VPCDConnectionStateMachine(atr: atr)
        } catch {
            invariant(!(2...33).contains(atr.count), "a \(atr.count)-byte ATR was refused: \(error)")
            invariant(error.code == .invalidATR, "a \(atr.count)-byte ATR was refused with \(error.code)")
            return
        }
        invariant((2...33).contains(atr.count), "a \(atr.count)-byte ATR was accepted")
        let reference = Self.decodeAtOnce(reads.flatMap { $0 })
        checkChunkedDecoding(against: reference)
        run(machine, expecting: reference.messages.compactMap(expectedAction))
    }

    private struct Decoding: Equatable {
        var messages: [VPCDMessage] = []
        var error: VPCDError?
    }

    private static func decodeAtOnce(_ stream: [UInt8]) -> Decoding {
        var decoding = Decoding()
        var decoder = VPCDFrameDecoder()
        do throws(VPCDError) {
            try decoder.decode(stream) { decoding.messages.append($0) }
        } catch {
            decoding.error = error
        }
        return decoding
    }

    private func checkChunkedDecoding(against reference: Decoding) {
        var decoding = Decoding()
        var decoder = VPCDFrameDecoder()
        for read in reads where decoding.error == nil {
            do throws(VPCDError) {
                try decoder.decode(read) { decoding.messages.append($0) }
            } catch {
                decoding.error = error
            }
        }
        invariant(decoding == reference, "decoding in \(reads.count) reads differs from decoding at once")
        if reference.error != nil {
            do throws(VPCDError) {
                try decoder.decode([0x00, 0x01, 0x01]) { _ in invariant(false, "a failed decoder delivered a message") }
                invariant(false, "a failed decoder accepted more bytes")
            } catch {
                invariant(error == reference.error, "a failed decoder changed its error")
            }
        }
        for message in decoding.messages {
            invariant(!message.payload.isEmpty, "an empty message was delivered")
            invariant((try? VPCDFrame.encode(message.payload)) != nil, "a delivered message cannot be framed again")
        }
    }

    private func expectedAction(_ message: VPCDMessage) -> VPCDAction? {
        switch message {
        case .powerOff: .powerOff
        case .powerOn: .powerOn
        case .reset: .reset
        case .getATR: .send(Self.frame(atr))
        case .unknownControl: nil
        case .apdu(let command): .apdu(command)
        }
    }

    private func run(_ initial: VPCDConnectionStateMachine, expecting expected: [VPCDAction]) {
        var machine = initial
        var performed: [VPCDAction] = []
        var closed = false
        for read in reads {
            let actions = machine.receive(bytes: read)
            invariant(!closed || actions.isEmpty, "a closed connection produced \(actions)")
            for (index, action) in actions.enumerated() {
                let isLast = index == actions.count - 1
                switch action {
                case .close:
                    invariant(isLast, ".close was not the last action")
                    closed = true
                case .apdu(let command):
                    invariant(isLast, ".apdu was not the last action of its batch")
                    performed.append(action)
                    reply(to: command, on: &machine)
                case .powerOff, .powerOn, .reset, .send:
                    performed.append(action)
                }
            }
            invariant(machine.isClosed == closed, "isClosed is \(machine.isClosed) after \(actions)")
            invariant(!machine.isAwaitingResponse, "the machine awaits a reply that was already sent")
        }
        if closed {
            invariant(performed.count <= expected.count && Array(expected.prefix(performed.count)) == performed,
                      "actions before the close are not the stream's messages in order")
        } else {
            invariant(performed == expected, "actions \(performed.count) differ from the stream's \(expected.count) messages")
        }
    }

    private func reply(to command: [UInt8], on machine: inout VPCDConnectionStateMachine) {
        invariant(machine.isAwaitingResponse, "an .apdu action left the machine idle")
        let response: [UInt8] =
            switch command.last {
            case 0x00: []
            case 0x01: [0x90]
            case 0xFF: [UInt8](repeating: 0x61, count: VPCDFrame.maximumPayloadLength + 1)
            default: command
            }
        guard let frame = machine.sendResponse(response) else {
            invariant(false, "no frame for the reply to an open connection's APDU")
            return
        }
        let carriable = (2...VPCDFrame.maximumPayloadLength).contains(response.count)
        invariant(carriable == (frame.substitution == nil), "substitution \(String(describing: frame.substitution)) for a \(response.count)-byte reply")
        let sent = Self.decodeAtOnce(frame.bytes)
        let payload = carriable ? response : VPCDConnectionStateMachine.substituteResponse
        invariant(sent == Decoding(messages: [.apdu(payload)]), "the reply frame does not carry the reply")
    }

    private static func frame(_ payload: [UInt8]) -> [UInt8] {
        [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)] + payload
    }
}
