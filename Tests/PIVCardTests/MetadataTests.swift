import APDU
import CardCrypto
import PIVCard
import PivlinkTesting
import Testing

/// YubiKey GET METADATA (F7, firmware 5.3+): 01 algorithm, 02 PIN and touch policy, 03 origin, 04 public key,
/// 05 default value, 06 tries. No authentication needed.
@Suite("GET METADATA")
struct MetadataTests {
    @Test("YubiKey F7: a generated P-256 key: algorithm, policy once/never touch, generated, its public point")
    func generatedKey() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9A)
        harness.card.endSession()
        try harness.run([
            .inject("00 F7 00 9A 00"),
            .expect("01 01 11 02 02 02 01 03 01 01 04 43 86 41 \(hexString(publicKey.ecPoint)) 90 00"),
        ])
    }

    @Test("YubiKey F7: an imported RSA key reports origin 02 and its modulus and exponent")
    func importedRSAKey() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let key = try PrivateKey.generate(.rsa2048)
        let data = try ImportComponents.items(for: key).flatMap(\.encoded) + TLV(0xAA, [0x03]).encoded
        #expect(harness.exchange(CommandAPDU(ins: 0xFE, p1: 0x07, p2: 0x9C, data: data)).status == .success)
        let answer = harness.exchange(CommandAPDU(ins: 0xF7, p1: 0x00, p2: 0x9C, le: 256))
        #expect(answer.status == .success)
        let items = try TLV.parseSequence(answer.data)
        #expect(items.map(\.tag) == [0x01, 0x02, 0x03, 0x04])
        #expect(items.first(0x01)?.value == [0x07])
        #expect(items.first(0x02)?.value == [0x03, 0x01])
        #expect(items.first(0x03)?.value == [0x02])
        let publicKey = CardHarness.publicKey(fromItems: try #require(try items.first(0x04)?.children()),
                                              algorithm: .rsa2048)
        #expect(publicKey == key.publicKey)
    }

    @Test("YubiKey F7: the attestation key F9 is there from the start and never needs the PIN")
    func attestationKey() throws {
        let harness = try CardHarness()
        let answer = harness.send("00 F7 00 F9 00")
        #expect(answer.status == .success)
        #expect(Array(answer.data.prefix(11)) == hex("01 01 11 02 02 01 01 03 01 01 04"))
    }

    @Test("YubiKey F7: the management key reports its algorithm and whether it is still the default")
    func managementKey() throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 F7 00 9B 00"), .expect("01 01 03 02 02 00 01 05 01 01 90 00")])
        try harness.authenticate()
        let key = [UInt8](repeating: 0x5A, count: 32)
        try harness.run([
            .inject("00 FF FF FF 23 0C 9B 20 " + hexString(key)), .expect("90 00"),
            .inject("00 F7 00 9B 00"), .expect("01 01 0C 02 02 00 01 05 01 00 90 00"),
        ])
    }

    @Test("YubiKey F7: PIN and PUK report default-ness and total and remaining tries")
    func pinAndPUK() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 F7 00 80 00"), .expect("01 01 FF 05 01 01 06 02 05 05 90 00"),
            .inject("00 20 00 80 08 39 39 39 39 39 39 FF FF"), .expect("63 C4"),
            .inject("00 F7 00 80 00"), .expect("01 01 FF 05 01 01 06 02 05 04 90 00"),
            .inject("00 24 00 80 10 31 32 33 34 35 36 FF FF 36 35 34 33 32 31 FF FF"), .expect("90 00"),
            .inject("00 F7 00 80 00"), .expect("01 01 FF 05 01 00 06 02 05 05 90 00"),
            .inject("00 F7 00 81 00"), .expect("01 01 FF 05 01 01 06 02 05 05 90 00"),
        ])
    }

    @Test("YubiKey F7: an empty slot answers 6A88, an unknown reference or P1 6A86")
    func errors() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 F7 00 9A 00"), .expect("6A 88"),
            .inject("00 F7 00 95 00"), .expect("6A 88"),
            .inject("00 F7 00 01 00"), .expect("6A 86"),
            .inject("00 F7 01 9B 00"), .expect("6A 86"),
        ])
    }
}
