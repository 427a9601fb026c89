import APDU
import FuzzSupport

/// `TLV.parseSequence` either rejects the bytes or yields objects whose encoding parses back to the same
/// objects and is no longer than the input (the encoder picks the shortest length form). Children that parse
/// are checked the same way, a few levels down.
enum TLVRoundTrip {
    private static let maximumDepth = 4

    static func check(_ bytes: [UInt8], depth: Int = 0) {
        guard depth < maximumDepth, let objects = try? TLV.parseSequence(bytes) else { return }
        let encoded = objects.flatMap(\.encoded)
        invariant(encoded.count <= bytes.count, "re-encoding \(bytes.hex) grew it to \(encoded.hex)")
        let reparsed: [TLV]
        do {
            reparsed = try TLV.parseSequence(encoded)
        } catch {
            invariant(false, "re-encoded \(encoded.hex) of \(bytes.hex) does not parse: \(error)")
            return
        }
        invariant(reparsed == objects, "TLV round trip of \(bytes.hex) through \(encoded.hex) changed the objects")
        for object in objects {
            check(object.value, depth: depth + 1)
        }
    }
}
