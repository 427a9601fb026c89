import Pairing
import PivlinkTesting
import Testing

@Suite struct PairingMessageTests {
    static let key = [UInt8](0..<32)
    static let other = [UInt8](32..<64)

    static let examples: [(message: PairingMessage, bytes: [UInt8])] = [
        (.start(stationKey: key), [1, 1] + key),
        (.commit(cardKey: key, commitment: other), [1, 2] + key + other),
        (.stationNonce(key), [1, 3] + key),
        (.cardNonce(key), [1, 4] + key),
        (.confirm(mac: key), [1, 5] + key),
        (.abort(.rejected), [1, 6, 1]),
        (.abort(.codeMismatch), [1, 6, 2]),
        (.abort(.timeout), [1, 6, 3]),
        (.abort(.protocolError), [1, 6, 4]),
        (.abort(.cancelled), [1, 6, 5]),
    ]

    @Test func encodesAndDecodesEveryMessageByteForByte() throws {
        for (message, bytes) in Self.examples {
            #expect(message.encoded == bytes)
            #expect(try PairingMessage(decoding: bytes) == message)
        }
    }

    @Test func everyTruncatedPrefixAndEveryExtraByteIsInvalidLength() {
        for (_, bytes) in Self.examples {
            for length in 0..<bytes.count {
                #expect(thrownCode { try PairingMessage(decoding: Array(bytes.prefix(length))) } == .invalidLength, "\(hexString(bytes.prefix(length)))")
            }
            #expect(thrownCode { try PairingMessage(decoding: bytes + [0]) } == .invalidLength)
        }
    }

    @Test func otherVersionsAreRefusedBeforeAnythingElse() {
        for version in [0, 2, 0x81, 0xFF] as [UInt8] {
            #expect(thrownCode { try PairingMessage(decoding: [version, 1] + Self.key) } == .unsupportedVersion)
            #expect(thrownCode { try PairingMessage(decoding: [version, 0x42]) } == .unsupportedVersion)
        }
    }

    @Test func undefinedTypesAreUnknown() {
        for type in [0x00, 0x07, 0x80, 0xFF] as [UInt8] {
            #expect(thrownCode { try PairingMessage(decoding: [1, type] + Self.key) } == .unknownMessage)
        }
    }

    @Test func undefinedAbortReasonsAreInvalidFields() {
        for reason in [0x00, 0x06, 0xFF] as [UInt8] {
            #expect(thrownCode { try PairingMessage(decoding: [1, 6, reason]) } == .invalidField)
        }
    }
}
