import CardCrypto
import CardDaemon
import EventLoop
import Pairing
import PivlinkTesting
import Testing

/// The card's pairing window and ceremony against a station's ceremony over the real link machines.
struct CardPairingSessionTests {
    @Test func bothSidesShowOneCodeAndConfirmingStoresTheStationUnderItsName() throws {
        let harness = try CardPairingHarness()
        #expect(!harness.session.acceptsPairing)
        try harness.session.start(for: .seconds(60), name: "desk-42")
        #expect(harness.session.acceptsPairing)
        #expect(harness.session.status.state == .open)

        try harness.connectAndStart()
        let code = try #require(harness.stationCode)
        #expect(harness.session.status.state == .code)
        #expect(harness.session.status.code == code.digits)
        #expect(harness.session.status.peer == (try harness.stationPublicKey).fingerprint.description)
        #expect(!harness.session.acceptsPairing, "one ceremony at a time")

        harness.stationConfirms(code)
        try harness.session.confirm(code: code)

        let station = try harness.stationPublicKey
        #expect(harness.stationPaired == harness.stations.identity.publicKey)
        #expect(harness.session.status.state == .paired)
        #expect(harness.session.status.result == "paired with station \(station.fingerprint) (desk-42)")
        #expect(harness.stations.records.map(\.name) == ["desk-42"])
        #expect(harness.stations.pairedKeys == [station.bytes])
        #expect(try harness.fixture.storedDocument().pairings?.stations.records.map(\.publicKey) == [station])
        #expect(harness.ceremonyEnds == 1)
        #expect(!harness.session.acceptsPairing, "the window closes with the ceremony")
    }

    @Test func aDifferentCodeFailsTheCeremonyOnBothSidesAndStoresNothing() throws {
        let harness = try CardPairingHarness()
        try harness.session.start(for: .seconds(60), name: "")
        try harness.connectAndStart()
        let code = try #require(harness.stationCode)
        let wrong = try PairingCode(parsing: code.digits == "000000" ? "000001" : "000000")

        try harness.session.confirm(code: wrong)

        #expect(harness.session.status.state == .failed)
        #expect(harness.stationFailure?.code == .abortedByPeer)
        #expect(harness.stations.records.isEmpty)
        #expect(try harness.fixture.storedDocument().pairings?.stations.records.isEmpty == true)
    }

    @Test func withoutAWindowTheCardRefusesPairingMessages() throws {
        let harness = try CardPairingHarness()
        try harness.connectAndStart()
        #expect(harness.stationCode == nil)
        #expect(harness.session.status.state == .closed)
        #expect(harness.stations.records.isEmpty)
    }

    @Test func oneWindowAtATimeWithinTenToSixHundredSeconds() throws {
        let harness = try CardPairingHarness()
        for seconds in [9, 601] {
            #expect(throws: CardDaemonError.self) { try harness.session.start(for: .seconds(seconds), name: "") }
        }
        try harness.session.start(for: .seconds(10), name: "")
        let second = #expect(throws: CardDaemonError.self) { try harness.session.start(for: .seconds(10), name: "") }
        #expect(second?.code == .pairingInProgress)
        try harness.session.cancel()
        #expect(harness.session.status.state == .failed)
        #expect(!harness.session.acceptsPairing)
        let nothing = #expect(throws: CardDaemonError.self) { try harness.session.cancel() }
        #expect(nothing?.code == .noPairingInProgress)
    }

    @Test func theStationLeavingMidCeremonyFailsIt() throws {
        let harness = try CardPairingHarness()
        try harness.session.start(for: .seconds(60), name: "")
        try harness.connectAndStart()
        harness.session.connectionLost()
        #expect(harness.session.status.state == .failed)
        #expect(harness.stations.records.isEmpty)
    }
}
