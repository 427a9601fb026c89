import CardCrypto
import Testing

@testable import CredentialStore

@Suite struct StoreKeyTests {
    @Test func theSealedFormIsIdentityThenKeyAndReadsBack() throws {
        let original = StoreKey(random: SystemRandom())
        let sealedForm = original.sealedForm()
        #expect(sealedForm == original.identity + original.key)
        let read = try #require(StoreKey(unsealed: sealedForm))
        #expect(read.identity == original.identity)
        #expect(read.key == original.key)
    }

    @Test(arguments: [0, StoreKey.sealedLength - 1, StoreKey.sealedLength + 1, StoreKey.keyLength])
    func anythingButIdentityAndKeyIsRefused(length: Int) {
        #expect(StoreKey(unsealed: [UInt8](repeating: 7, count: length)) == nil)
    }

    @Test func freshKeysDiffer() {
        let first = StoreKey(random: SystemRandom())
        let second = StoreKey(random: SystemRandom())
        #expect(first.identity.count == StoreKey.identityLength)
        #expect(first.key.count == StoreKey.keyLength)
        #expect(first.identity != second.identity)
        #expect(first.key != second.key)
    }
}
