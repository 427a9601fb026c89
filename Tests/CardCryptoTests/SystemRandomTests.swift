import CardCrypto
import Testing

@Suite struct SystemRandomTests {
    @Test func returnsTheRequestedCountOfFreshBytes() {
        let random = SystemRandom()
        #expect(random.bytes(0).isEmpty)
        let first = random.bytes(32)
        let second = random.bytes(32)
        #expect(first.count == 32)
        // Equal 256-bit draws would mean a broken generator (chance 2^-256 otherwise).
        #expect(first != second)
        #expect(random.bytes(1000).count == 1000)
    }
}
