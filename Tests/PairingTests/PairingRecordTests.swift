import Pairing
import Testing

@Suite struct PairingRecordTests {
    @Test(arguments: ["desk-42", "Anna's phone", "Ünïcode ☎︎", String(repeating: "x", count: 64)])
    func acceptsNames(name: String) throws {
        let record = try PairingRecord(publicKey: TestKeys.publicKey(TestKeys.card), name: name)
        #expect(record.name == name)
        #expect(record.fingerprint == TestKeys.publicKey(TestKeys.card).fingerprint)
    }

    @Test(arguments: ["", String(repeating: "x", count: 65), String(repeating: "é", count: 33), "tab\there", "line\nbreak", "nul\u{0}"])
    func refusesNames(name: String) {
        #expect(thrownCode { try PairingRecord(publicKey: TestKeys.publicKey(TestKeys.card), name: name) } == .invalidName)
    }
}
