import APDU
import CardCrypto
import PIVCard
import PivlinkTesting
import Testing

/// Authentication of the card application administrator with the 9B key (SP 800-73-5 pt2 App. A.1 and A.2).
@Suite("Management-key authentication")
struct ManagementKeyAuthenticationTests {
    static let keys: [ManagementKey] = [
        CardHarness.defaultManagementKey,
        ManagementKey(algorithm: .aes128, key: Array(0x10..<0x20), isDefault: false),
        ManagementKey(algorithm: .aes192, key: Array(0x20..<0x38), isDefault: false),
        ManagementKey(algorithm: .aes256, key: Array(0x40..<0x60), isDefault: false),
    ]

    /// PUT DATA of Printed Information, which needs the administrator.
    static let adminOnlyCommand = "00 DB 3F FF 09 5C 03 5F C1 09 53 02 41 42"

    @Test("pt2 App. A.2: mutual authentication (witness 80, then witness and challenge 81 → 82)", arguments: keys)
    func mutual(key: ManagementKey) throws {
        let harness = try CardHarness(managementKey: key)
        try harness.run([.inject(Self.adminOnlyCommand), .expect("69 82")])
        try harness.authenticate()
        try harness.run([.inject(Self.adminOnlyCommand), .expect("90 00")])
    }

    @Test("pt2 App. A.1: external authentication (challenge 81, answered with 82)", arguments: keys)
    func external(key: ManagementKey) throws {
        let harness = try CardHarness(managementKey: key)
        let challenge = try #require(externalChallenge(harness, key))
        let answer = try BlockCipher.encrypt(key.algorithm, key: key.key, block: challenge)
        try harness.run([
            .inject(externalAnswer(key, answer)), .expect("90 00"),
            .inject(Self.adminOnlyCommand), .expect("90 00"),
        ])
    }

    @Test("pt2 App. A.1: the AES-128 example's shape, 00 87 08 9B 04 7C 02 81 00 00 → 7C 12 81 10 …")
    func appendixExampleShape() throws {
        let key = Self.keys[1]
        let harness = try CardHarness(managementKey: key)
        let first = harness.send("00 87 08 9B 04 7C 02 81 00 00")
        #expect(first.status == .success)
        #expect(Array(first.data.prefix(4)) == hex("7C 12 81 10"))
        #expect(first.data.count == 20)
        let answer = try BlockCipher.encrypt(.aes128, key: key.key, block: Array(first.data.dropFirst(4)))
        try harness.run([.inject("00 87 08 9B 14 7C 12 82 10 " + hexString(answer)), .expect("90 00")])
    }

    @Test("pt2 App. A.2: the mutual example's second command ends with 82 00, which asks for the answer")
    func appendixMutualExampleShape() throws {
        let key = Self.keys[1]
        let harness = try CardHarness(managementKey: key)
        let first = harness.send("00 87 08 9B 04 7C 02 80 00 00")
        #expect(Array(first.data.prefix(4)) == hex("7C 12 80 10"))
        let witness = try BlockCipher.decrypt(.aes128, key: key.key, block: Array(first.data.dropFirst(4)))
        let challenge = hex("09 0A 0B 0C 0D 0E 0F 10 09 08 07 06 05 04 03 02")
        let expected = try BlockCipher.encrypt(.aes128, key: key.key, block: challenge)
        try harness.run([
            .inject("00 87 08 9B 28 7C 26 80 10 \(hexString(witness)) 81 10 \(hexString(challenge)) 82 00 00"),
            .expect("7C 12 82 10 \(hexString(expected)) 90 00"),
            .inject(Self.adminOnlyCommand), .expect("90 00"),
        ])
    }

    @Test("SP 800-78: P1 00 names 3DES too")
    func legacyTripleDESIdentifier() throws {
        let harness = try CardHarness()
        let first = harness.send("00 87 00 9B 04 7C 02 81 00 00")
        #expect(Array(first.data.prefix(4)) == hex("7C 0A 81 08"))
        let key = CardHarness.defaultManagementKey
        let answer = try BlockCipher.encrypt(.tripleDES, key: key.key, block: Array(first.data.dropFirst(4)))
        try harness.run([.inject("00 87 00 9B 0C 7C 0A 82 08 " + hexString(answer)), .expect("90 00")])
    }

    @Test("pt2 §2.4.2: a wrong witness answers 6982 and leaves the administrator unauthenticated", arguments: keys)
    func wrongWitness(key: ManagementKey) throws {
        let harness = try CardHarness(managementKey: key)
        let size = key.algorithm.blockByteCount
        let first = harness.send(CommandAPDU(ins: 0x87, p1: key.algorithm.rawValue, p2: 0x9B, data: hex("7C 02 80 00")))
        #expect(first.status == .success)
        let wrong = [UInt8](repeating: 0x42, count: size)
        let template = TLV(0x7C, children: [TLV(0x80, wrong), TLV(0x81, wrong)]).encoded
        let second = harness.send(CommandAPDU(ins: 0x87, p1: key.algorithm.rawValue, p2: 0x9B, data: template))
        #expect(second == ResponseAPDU(StatusWord(0x6982)))
        try harness.run([.inject(Self.adminOnlyCommand), .expect("69 82")])
    }

    @Test("pt2 §2.4.2: a wrong external answer answers 6982 and leaves the administrator unauthenticated",
          arguments: keys)
    func wrongExternalAnswer(key: ManagementKey) throws {
        let harness = try CardHarness(managementKey: key)
        let challenge = try #require(externalChallenge(harness, key))
        try harness.run([
            .inject(externalAnswer(key, challenge)), .expect("69 82"),  // the plain challenge, not its encryption
            .inject(Self.adminOnlyCommand), .expect("69 82"),
        ])
    }

    @Test("pt2 §2.4.2: a failed attempt ends an earlier authentication")
    func failureDropsAuthentication() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        _ = try #require(externalChallenge(harness, CardHarness.defaultManagementKey))
        try harness.run([
            .inject("00 87 03 9B 0C 7C 0A 82 08 00 00 00 00 00 00 00 00"), .expect("69 82"),
            .inject(Self.adminOnlyCommand), .expect("69 82"),
        ])
        try harness.authenticate()
        try harness.run([
            .inject("00 87 03 9B 04 7D 02 80 00"), .expect("6A 80"),
            .inject(Self.adminOnlyCommand), .expect("69 82"),
        ])
    }

    @Test("pt2 §3.2.4: any command between the two steps drops the pending challenge (6985, not authenticated)",
          arguments: [
              "00 CB 3F FF 03 5C 01 7E 00",  // GET DATA
              "00 20 00 80",  // VERIFY status
              "00 87 11 9A 06 7C 04 82 00 81 00",  // GENERAL AUTHENTICATE of another key
              "00 FD 00 00 00",  // GET VERSION
              "00 C0 00 00 00",  // GET RESPONSE with nothing pending
              "00 CB 3F",  // too short to be a command
              "80 CB 3F FF 03 5C 01 7E 00",  // proprietary class
              "00 87 03 9B 04 7D 02 80 00",  // a malformed management-key step
          ])
    func interleavedCommandDropsChallenge(command: String) throws {
        let harness = try CardHarness()
        let key = CardHarness.defaultManagementKey
        let challenge = try #require(externalChallenge(harness, key))
        harness.send(command)
        let answer = try BlockCipher.encrypt(key.algorithm, key: key.key, block: challenge)
        try harness.run([
            .inject(externalAnswer(key, answer)), .expect("69 85"),
            .inject(Self.adminOnlyCommand), .expect("69 82"),
        ])
    }

    @Test("pt2 §3.2.4: a second step without a first, or of the other kind, answers 6985")
    func secondStepWithoutFirst() throws {
        let harness = try CardHarness()
        let key = CardHarness.defaultManagementKey
        try harness.run([
            .inject("00 87 03 9B 0C 7C 0A 82 08 01 02 03 04 05 06 07 08"), .expect("69 85"),
            .inject("00 87 03 9B 04 7C 02 80 00"), .expectStatus(0x9000),
            .inject("00 87 03 9B 0C 7C 0A 82 08 01 02 03 04 05 06 07 08"), .expect("69 85"),
        ])
        let challenge = try #require(externalChallenge(harness, key))
        let template = TLV(0x7C, children: [TLV(0x80, challenge), TLV(0x81, challenge)]).encoded
        let answer = harness.send(CommandAPDU(ins: 0x87, p1: 0x03, p2: 0x9B, data: template))
        #expect(answer.status == StatusWord(0x6985))
    }

    @Test("pt2 §3.2.4: a challenge answers once; replaying the right answer answers 6985")
    func challengeIsSpent() throws {
        let harness = try CardHarness()
        let key = CardHarness.defaultManagementKey
        let challenge = try #require(externalChallenge(harness, key))
        let answer = externalAnswer(key, try BlockCipher.encrypt(key.algorithm, key: key.key, block: challenge))
        try harness.run([.inject(answer), .expect("90 00"), .inject(answer), .expect("69 85")])
    }

    @Test("pt2 §3.2.4: P1 must name the 9B key's algorithm (6A86)", arguments: ["08", "0A", "0C", "07"])
    func wrongAlgorithm(p1: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject("00 87 \(p1) 9B 04 7C 02 81 00 00"), .expect("6A 86")])
    }

    @Test("pt2 §3.2.4: malformed dynamic authentication templates answer 6A80",
          arguments: [
              "00 87 03 9B 04 7D 02 80 00",  // not 7C
              "00 87 03 9B 04 7C 03 80 00",  // 7C runs past the end
              "00 87 03 9B 06 7C 04 80 00 81 00",  // witness and challenge requests together
              "00 87 03 9B 02 7C 00",  // empty template
              "00 87 03 9B 04 7C 02 83 00",  // unknown request
              "00 87 03 9B 06 7C 02 80 00 00 00",  // trailing bytes
              "00 87 03 9B 00",  // no data (Lc 00 is Le here: no data at all)
          ])
    func malformedTemplates(command: String) throws {
        let harness = try CardHarness()
        try harness.run([.inject(command), .expect("6A 80")])
    }

    @Test("pt2 §2.4.2: a witness or answer of the wrong block size answers 6982")
    func wrongBlockSizes() throws {
        let harness = try CardHarness()
        try harness.run([
            .inject("00 87 03 9B 04 7C 02 80 00"), .expectStatus(0x9000),
            .inject("00 87 03 9B 14 7C 12 80 07 01 02 03 04 05 06 07 81 07 01 02 03 04 05 06 07"), .expect("69 82"),
            .inject("00 87 03 9B 04 7C 02 81 00"), .expectStatus(0x9000),
            .inject("00 87 03 9B 0B 7C 09 82 07 01 02 03 04 05 06 07"), .expect("69 82"),
        ])
    }

    // MARK: helpers

    /// Asks for an external-authentication challenge and returns it.
    private func externalChallenge(_ harness: CardHarness, _ key: ManagementKey) -> [UInt8]? {
        let first = harness.send(CommandAPDU(ins: 0x87, p1: key.algorithm.rawValue, p2: 0x9B, data: hex("7C 02 81 00"),
                                             le: 256))
        guard first.status == .success,
              let challenge = try? TLV.parseSequence(first.data).first(0x7C)?.children().first(0x81)?.value,
              challenge.count == key.algorithm.blockByteCount
        else { return nil }
        return challenge
    }

    private func externalAnswer(_ key: ManagementKey, _ block: [UInt8]) -> String {
        let template = TLV(0x7C, children: [TLV(0x82, block)]).encoded
        return hexString(CommandAPDU(ins: 0x87, p1: key.algorithm.rawValue, p2: 0x9B, data: template).serialized())
    }
}

extension ManagementKey: CustomTestStringConvertible {
    public var testDescription: String { "\(algorithm)" }
}
