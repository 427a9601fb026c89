import FuzzSupport
import Pairing

/// Arbitrary bytes as one pairing message. Checked: decoding never traps; a refusal carries one of the codes
/// docs/pairing-protocol.md gives a malformed message; an accepted message encodes back to the same bytes (each
/// type has one fixed length, so there is exactly one encoding).
struct MessageRoundTrip {
    private static let refusalCodes: Set<PairingError.Code> = [
        .invalidLength, .unsupportedVersion, .unknownMessage, .invalidField,
    ]

    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func check() {
        do throws(PairingError) {
            let message = try PairingMessage(decoding: bytes)
            invariant(message.encoded == bytes, "\(bytes.hex) decoded to \(message), which encodes differently")
        } catch {
            invariant(Self.refusalCodes.contains(error.code), "\(bytes.hex) was refused with \(error.code)")
        }
    }
}
