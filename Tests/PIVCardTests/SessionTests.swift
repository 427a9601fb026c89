import APDU
import PIVCard
import Testing

/// The session's privileges (PIN verified, management key authenticated) end with the session: power-off, reset,
/// removal, and the idle timeout (research/piv.md §7.5).
@Suite("Session lifetime")
struct SessionTests {
    @Test("A fresh card holds nothing, so it has no deadline")
    func noDeadlineWithoutPrivileges() throws {
        let harness = try CardHarness()
        #expect(harness.card.nextDeadline == nil)
        harness.send("00 CB 3F FF 03 5C 01 7E 00")
        #expect(harness.card.nextDeadline == nil)
        #expect(harness.verifyPIN("999999") == StatusWord(0x63C4))
        #expect(harness.card.nextDeadline == nil)
    }

    @Test("Idle timeout: 15 minutes after the last command the PIN and the management key are forgotten")
    func idleTimeout() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        let start = harness.now
        #expect(harness.card.nextDeadline == start + .seconds(900))
        harness.advance(by: .seconds(899))
        harness.tick()
        #expect(harness.card.nextDeadline == start + .seconds(900), "not yet")
        harness.advance(by: .seconds(1))
        harness.tick()
        #expect(harness.card.nextDeadline == nil)
        try harness.run([
            .inject("00 20 00 80"), .expect("63 C5"),
            .inject(ManagementKeyAuthenticationTests.adminOnlyCommand), .expect("69 82"),
        ])
    }

    @Test("Idle timeout: every command restarts it")
    func commandsRestartTheTimer() throws {
        let harness = try CardHarness()
        #expect(harness.verifyPIN() == .success)
        for _ in 0..<4 {
            harness.advance(by: .seconds(600))
            harness.send("00 CB 3F FF 03 5C 01 7E 00")
            #expect(harness.card.nextDeadline == harness.now + .seconds(900))
        }
        try harness.run([.inject("00 20 00 80"), .expect("90 00")])
    }

    @Test("Idle timeout: a command arriving after the deadline is judged without the expired privileges")
    func lateCommand() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9A)
        #expect(harness.verifyPIN() == .success)
        harness.advance(by: .seconds(901))
        let digest = [UInt8](repeating: 0x77, count: 32)
        #expect(harness.generalAuthenticate(.eccP256, slot: 0x9A, input: digest).status == StatusWord(0x6982))
        #expect(harness.verifyPIN() == .success)
        let (status, signature) = harness.generalAuthenticate(.eccP256, slot: 0x9A, input: digest)
        #expect(status == .success)
        #expect(publicKey.verifyECDSA(digest: digest, derSignature: try #require(signature)))
    }

    @Test("endSession (vpcd power-off or reset): PIN, management key, pending challenge, chain and answer all end")
    func endSession() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        #expect(harness.verifyPIN() == .success)
        #expect(harness.putData(0x5FC106, [UInt8](repeating: 0x01, count: 600)) == .success)
        try harness.run([
            .inject("00 CB 3F FF 05 5C 03 5F C1 06 00"), .expectStatus(0x6100),
            .step { $0.card.endSession() },
            .inject("00 C0 00 00 00"), .expect("69 85"),
            .inject("00 20 00 80"), .expect("63 C5"),
            .inject(ManagementKeyAuthenticationTests.adminOnlyCommand), .expect("69 82"),
        ])
        #expect(harness.card.nextDeadline == nil)
        try harness.authenticate()
        try harness.run([
            .inject("10 DB 3F FF 05 5C 03 5F C1 09"), .expect("90 00"),
            .step { $0.card.endSession() },
            .inject("00 87 03 9B 04 7C 02 81 00"), .expectStatus(0x9000),
            .step { $0.card.endSession() },
            .inject("00 87 03 9B 0C 7C 0A 82 08 01 02 03 04 05 06 07 08"), .expect("69 85"),
            .inject("00 DB 3F FF 04 53 02 41 42"), .expect("69 82"),
        ])
    }

    @Test("research/piv.md §2: without a reset the PIN stays verified across clients, as OpenSC 0.23 expects")
    func survivesWithoutReset() throws {
        let harness = try CardHarness()
        #expect(harness.verifyPIN() == .success)
        try harness.run([
            .inject("00 A4 04 00 09 A0 00 00 03 08 00 00 10 00 00"), .expectStatus(0x9000),
            .inject("00 A4 04 00 05 A0 00 00 03 08"), .expectStatus(0x9000),
            .inject("00 20 00 80"), .expect("90 00"),
        ])
    }
}
