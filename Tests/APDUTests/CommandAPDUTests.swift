import PivlinkTesting
import Testing
@testable import APDU

struct CommandAPDUTests {
    @Test func case1HasNeitherDataNorLe() throws {
        let command = try CommandAPDU(parsing: hex("00 20 00 80"))
        #expect(command.data.isEmpty)
        #expect(command.le == nil)
    }

    @Test func case2ShortLeZeroMeans256() throws {
        #expect(try CommandAPDU(parsing: hex("00 FD 00 00 00")).le == 256)
        #expect(try CommandAPDU(parsing: hex("00 C0 00 00 1E")).le == 0x1E)
    }

    @Test func case3And4Short() throws {
        let case3 = try CommandAPDU(parsing: hex("00 CB 3F FF 05 5C 03 5F C1 05"))
        #expect(case3.data == hex("5C 03 5F C1 05"))
        #expect(case3.le == nil)
        let case4 = try CommandAPDU(parsing: hex("00 CB 3F FF 03 5C 01 7E 08"))
        #expect(case4.data == hex("5C 01 7E"))
        #expect(case4.le == 8)
    }

    @Test func extendedCases() throws {
        let data = [UInt8](repeating: 0xAB, count: 300)
        let case4 = try CommandAPDU(parsing: hex("00 DB 3F FF 00 01 2C") + data + hex("00 00"))
        #expect(case4.data == data)
        #expect(case4.le == 65536)
        let case3 = try CommandAPDU(parsing: hex("00 DB 3F FF 00 01 2C") + data)
        #expect(case3.le == nil)
        #expect(try CommandAPDU(parsing: hex("00 CB 3F FF 00 04 00")).le == 0x400)
    }

    @Test func inconsistentLengthsAreRejected() {
        for bad in ["00 A4 04", "00 CB 3F FF 05 5C 03", "00 CB 3F FF 02 5C 03 5F C1", "00 DB 3F FF 00 00 00 AA",
                    "00 DB 3F FF 00 01", "00 DB 3F FF 00 00 02 AA BB CC"] {
            #expect(throws: APDUError.self, "\(bad)") { try CommandAPDU(parsing: hex(bad)) }
        }
    }

    @Test func everyTruncationOfACase4CommandIsRejectedOrReadAsAnotherCase() {
        let full = hex("00 87 11 9A 06 7C 04 82 00 81 00 00")
        for length in 0..<full.count {
            let prefix = Array(full.prefix(length))
            if let parsed = try? CommandAPDU(parsing: prefix) {
                #expect(parsed.serialized() == prefix, "prefix \(length) must round-trip exactly")
            }
        }
    }

    @Test func serializationRoundTrips() throws {
        for text in ["00 20 00 80", "00 FD 00 00 00", "00 CB 3F FF 05 5C 03 5F C1 05 00", "10 87 07 9A 02 7C 00"] {
            #expect(try CommandAPDU(parsing: hex(text)).serialized() == hex(text))
        }
        let long = CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: .init(repeating: 1, count: 400), le: 65536)
        #expect(try CommandAPDU(parsing: long.serialized()) == long)
    }

    @Test func chainBitIsRead() throws {
        #expect(try CommandAPDU(parsing: hex("10 87 07 9A 01 00")).isChainContinuation)
        #expect(try !CommandAPDU(parsing: hex("00 87 07 9A 01 00")).isChainContinuation)
    }
}
