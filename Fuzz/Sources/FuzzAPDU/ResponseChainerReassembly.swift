import APDU
import FuzzSupport

/// Splitting a response with `ResponseChainer` and asking for every remaining piece gives back exactly the
/// response: each piece but the last is full, announces the bytes left in 61xx, and the last carries the
/// original status word.
///
/// Input: Le as a big-endian u16 (0 = absent), the status word, then the response data.
enum ResponseChainerReassembly {
    static func check(_ bytes: [UInt8]) {
        var reader = ByteReader(bytes)
        let rawLe = reader.uint16()
        let le: Int? = rawLe == 0 ? nil : rawLe
        let status = StatusWord(UInt16(reader.uint16()))
        guard status.sw1 != 0x61 else { return }  // the card never finishes on 61xx, so pieces would be ambiguous
        let data = reader.bytes(upTo: bytes.count)
        let limit = max(256, le ?? 256)
        var chainer = ResponseChainer()
        var piece = chainer.begin(ResponseAPDU(data: data, status: status), le: le)
        var received: [UInt8] = []
        while piece.status.sw1 == 0x61 {
            received += piece.data
            invariant(piece.data.count == limit, "a 61xx piece of \(piece.data.count) bytes, limit \(limit)")
            let left = data.count - received.count
            invariant(piece.status == .bytesRemaining(left), "61xx says \(piece.status), \(left) bytes are left")
            guard let next = chainer.getResponse(le: le) else {
                invariant(false, "GET RESPONSE found nothing after \(piece.status)")
                return
            }
            piece = next
        }
        received += piece.data
        invariant(piece.data.count <= limit, "last piece of \(piece.data.count) bytes, limit \(limit)")
        invariant(piece.status == status, "final status \(piece.status), expected \(status)")
        invariant(received == data, "reassembled \(received.count) bytes differ from the \(data.count) sent")
        invariant(!chainer.hasPending && chainer.getResponse(le: le) == nil, "chainer still pending after the end")
    }
}
