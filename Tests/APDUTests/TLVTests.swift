import PivlinkTesting
import Testing
@testable import APDU

struct TLVTests {
    @Test func parsesMultiByteTagsAndLongLengths() throws {
        let certificate = [UInt8](repeating: 0x30, count: 0x11A)
        let object = TLV(0x53, children: [TLV(0x70, certificate), TLV(0x71, [0]), TLV(0xFE, [])])
        let encoded = object.encoded
        #expect(Array(encoded.prefix(4)) == hex("53 82 01 23"))
        let parsed = try TLV.parseSequence(encoded)
        #expect(parsed == [object])
        let children = try parsed[0].children()
        #expect(children.map(\.tag) == [0x70, 0x71, 0xFE])
        #expect(children.first(0x70)?.value == certificate)
        #expect(try TLV.parseSequence(hex("5C 03 5F C1 05")) == [TLV(0x5C, hex("5F C1 05"))])
        #expect(try TLV.parseSequence(hex("7F 49 03 86 01 04")) == [TLV(0x7F49, hex("86 01 04"))])
    }

    @Test func lengthEncodingIsShortest() {
        #expect(TLV.encode(length: 0x7F) == [0x7F])
        #expect(TLV.encode(length: 0x80) == [0x81, 0x80])
        #expect(TLV.encode(length: 0x100) == [0x82, 0x01, 0x00])
        #expect(TLV.encode(tag: 0x5FC105) == [0x5F, 0xC1, 0x05])
    }

    @Test func everyTruncatedPrefixIsRejected() {
        let encoded = TLV(0x7C, children: [TLV(0x82, []), TLV(0x81, .init(repeating: 7, count: 200))]).encoded
        for length in 1..<encoded.count {
            #expect(throws: APDUError.self) { try TLV.parseSequence(Array(encoded.prefix(length))) }
        }
    }

    @Test func malformedInputIsRejectedWithItsCode() {
        let cases: [(String, APDUError.Code)] = [
            ("5F", .truncatedTag), ("5F C1", .truncatedTag), ("5F FF FF 01 00", .tagTooLong),
            ("53", .truncatedLength), ("53 80", .unsupportedLength), ("53 84 00 00 00 01 00", .unsupportedLength),
            ("53 82 01", .truncatedLength), ("53 05 01 02", .truncatedValue),
        ]
        for (text, code) in cases {
            do {
                _ = try TLV.parseSequence(hex(text))
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.code == code, "\(text)")
            }
        }
    }
}
