import CardCrypto
import Testing

@Suite struct AsymmetricAlgorithmTests {
    @Test func identifiersFollowPIVAndYubiKey() {
        #expect(AsymmetricAlgorithm.allCases.map(\.rawValue) == [0x07, 0x05, 0x16, 0x11, 0x14, 0xE0, 0xE1])
        #expect(AsymmetricAlgorithm(rawValue: 0x06) == nil)
    }

    @Test func sizes() {
        #expect(AsymmetricAlgorithm.allCases.filter(\.isRSA) == [.rsa2048, .rsa3072, .rsa4096])
        #expect(AsymmetricAlgorithm.allCases.map(\.rsaModulusByteCount) == [256, 384, 512, nil, nil, nil, nil])
        #expect(AsymmetricAlgorithm.allCases.map(\.ecFieldByteCount) == [nil, nil, nil, 32, 48, nil, nil])
    }
}
