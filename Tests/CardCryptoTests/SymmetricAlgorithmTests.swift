import CardCrypto
import Testing

@Suite struct SymmetricAlgorithmTests {
    @Test func identifiersAndSizesFollowSP80078() {
        #expect(SymmetricAlgorithm.allCases.map(\.rawValue) == [0x03, 0x08, 0x0A, 0x0C])
        #expect(SymmetricAlgorithm.allCases.map(\.keyByteCount) == [24, 16, 24, 32])
        #expect(SymmetricAlgorithm.allCases.map(\.blockByteCount) == [8, 16, 16, 16])
        #expect(SymmetricAlgorithm(rawValue: 0x0B) == nil)
    }
}
