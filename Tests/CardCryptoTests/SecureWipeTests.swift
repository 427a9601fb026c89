import CardCrypto
import Testing

@Suite struct SecureWipeTests {
    @Test func zeroesEveryByteAndKeepsTheLength() {
        var secret: [UInt8] = [1, 2, 3, 0xFF]
        secureWipe(&secret)
        #expect(secret == [0, 0, 0, 0])
        var empty: [UInt8] = []
        secureWipe(&empty)
        #expect(empty.isEmpty)
    }
}
