import Pairing
import Testing

@Suite struct PairingFingerprintTests {
    @Test func fingerprintsAreTheDocumentedHashAndStable() {
        // SHA-256("pivlink-fingerprint-v1" ‖ key)[0..<8], computed with Python's hashlib.
        #expect(TestKeys.publicKey(TestKeys.station).fingerprint.description == "9c79-64d9-9030-4445")
        #expect(TestKeys.publicKey(TestKeys.card).fingerprint.description == "bfc2-0eaf-5d25-00f1")
        #expect(TestKeys.publicKey(TestKeys.card).fingerprint == TestKeys.publicKey(TestKeys.card).fingerprint)
    }

    @Test(arguments: ["bfc2-0eaf-5d25-00f1", "BFC2-0EAF-5D25-00F1", "bfc20eaf5d2500f1", "BfC20eAf5D2500F1"])
    func parsesWhatPeopleType(text: String) throws {
        #expect(try PairingFingerprint(parsing: text) == TestKeys.publicKey(TestKeys.card).fingerprint)
    }

    @Test(arguments: [
        "", "bfc2-0eaf-5d25", "bfc2-0eaf-5d25-00f1-", "bfc2-0eaf-5d2500f1", "bfc20-eaf-5d25-00f1", "bfc2:0eaf:5d25:00f1",
        "bfc2-0eaf-5d25-00fg", "bfc20eaf5d2500f", "bfc20eaf5d2500f1a", " bfc2-0eaf-5d25-00f1", "bfc2--0eaf-5d25-00f1",
    ])
    func refusesAnythingElse(text: String) {
        #expect(thrownCode { try PairingFingerprint(parsing: text) } == .invalidFingerprint)
    }
}
