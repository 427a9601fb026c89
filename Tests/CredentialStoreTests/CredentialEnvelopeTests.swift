import CardCrypto
import Testing

@testable import CredentialStore

@Suite struct CredentialEnvelopeTests {
    private let storeKey = StoreKey(random: SystemRandom())
    private let payload = Array("state".utf8)
    private let file = "/store/credential"

    private func sealed() throws -> [UInt8] {
        try CredentialEnvelope.seal(payload, with: storeKey, random: SystemRandom())
    }

    @Test func theFileIsTheHeaderThenTheBox() throws {
        let bytes = try sealed()
        #expect(bytes.count == CredentialEnvelope.headerLength + 12 + payload.count + 16)
        #expect(Array(bytes[0..<8]) == Array("PIVLINK".utf8) + [0])
        #expect(Array(bytes[8..<12]) == [0x00, 0x01, 0x00, 0x00])
        #expect(Array(bytes[12..<28]) == storeKey.identity)

        let envelope = try CredentialEnvelope(parsing: bytes, file: file)
        #expect(envelope.identity == storeKey.identity)
        #expect(try envelope.open(with: storeKey, file: file) == payload)
    }

    @Test func everySealUsesAFreshNonce() throws {
        #expect(try sealed() != sealed())
    }

    @Test func theHeaderIsAuthenticated() throws {
        var bytes = try sealed()
        bytes[CredentialEnvelope.headerLength - 1] ^= 0x80
        let envelope = try CredentialEnvelope(parsing: bytes, file: file)
        let error = #expect(throws: CredentialStoreError.self) { try envelope.open(with: storeKey, file: file) }
        #expect(error?.code == .tampered)
    }

    @Test func anotherKeyFailsAuthentication() throws {
        let envelope = try CredentialEnvelope(parsing: sealed(), file: file)
        let error = #expect(throws: CredentialStoreError.self) {
            try envelope.open(with: StoreKey(random: SystemRandom()), file: file)
        }
        #expect(error?.code == .tampered)
        #expect(error?.description.hasPrefix("\(file) failed authentication") == true)
    }

    @Test func aWrongMagicIsNotAPivlinkFile() throws {
        var bytes = try sealed()
        bytes[6] = UInt8(ascii: "X")
        let error = #expect(throws: CredentialStoreError.self) { try CredentialEnvelope(parsing: bytes, file: file) }
        #expect(error?.code == .corrupt)
        #expect(error?.description.contains("wrong magic") == true)
    }

    @Test func aPrefixOfTheMagicIsTruncatedNotForeign() throws {
        let error = #expect(throws: CredentialStoreError.self) {
            try CredentialEnvelope(parsing: Array("PIVL".utf8), file: file)
        }
        #expect(error?.code == .corrupt)
        #expect(error?.description.contains("truncated") == true)
    }

    @Test func versionZeroIsCorrupt() throws {
        var bytes = try sealed()
        bytes[9] = 0
        let error = #expect(throws: CredentialStoreError.self) { try CredentialEnvelope(parsing: bytes, file: file) }
        #expect(error?.code == .corrupt)
    }

    @Test(arguments: [UInt16(0x0001), 0x8000, 0xFFFF])
    func unknownFlagsAreRefused(flags: UInt16) throws {
        var bytes = try sealed()
        bytes[10] = UInt8(flags >> 8)
        bytes[11] = UInt8(flags & 0xFF)
        let error = #expect(throws: CredentialStoreError.self) { try CredentialEnvelope(parsing: bytes, file: file) }
        #expect(error?.code == .corrupt)
        #expect(error?.description.contains("unknown flags") == true)
    }

    /// A newer file need not be longer than the header: the version alone decides.
    @Test func theVersionIsJudgedFromTheFirstTwelveBytes() throws {
        var bytes = Array(try sealed().prefix(12))
        bytes[9] = 2
        let error = #expect(throws: CredentialStoreError.self) { try CredentialEnvelope(parsing: bytes, file: file) }
        #expect(error?.code == .newerFormat)
    }
}
