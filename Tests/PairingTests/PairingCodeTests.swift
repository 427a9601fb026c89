import Pairing
import Testing

@Suite struct PairingCodeTests {
    @Test func parsesSixDigitsKeepingLeadingZeros() throws {
        #expect(try PairingCode(parsing: "042917").digits == "042917")
        #expect(try PairingCode(parsing: "000000").description == "000000")
    }

    @Test(arguments: ["", "12345", "1234567", "12 345", "12345a", "١٢٣٤٥٦", " 123456", "-12345"])
    func refusesAnythingButSixAsciiDigits(text: String) {
        #expect(throws: PairingError.self) { try PairingCode(parsing: text) }
        #expect(thrownCode { try PairingCode(parsing: text) } == .invalidCode)
    }
}
