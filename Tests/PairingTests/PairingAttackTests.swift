import CardCrypto
import Crypto
import Pairing
import PivlinkTesting
import Testing

/// Mallory sits between the station and the card: she runs a card of her own towards the station and a
/// station of her own towards the card, with her own key on each leg.
@Suite struct PairingAttackTests {
    /// Two back-to-back ceremonies through Mallory, run to the codes.
    struct MiddlePerson {
        var toStation: Ceremony
        var toCard: Ceremony

        init(run: Int) {
            let malloryCard = X25519KeyPair.generate(random: SeededRandom(seed: "mallory card \(run)"))
            let malloryStation = X25519KeyPair.generate(random: SeededRandom(seed: "mallory station \(run)"))
            toStation = Ceremony(
                station: PairingStateMachine(role: .station, staticKey: TestKeys.station, random: SeededRandom(seed: "Ni \(run)")),
                card: PairingStateMachine(role: .card, staticKey: malloryCard, random: SeededRandom(seed: "Nm \(run)"))
            )
            toCard = Ceremony(
                station: PairingStateMachine(role: .station, staticKey: malloryStation, random: SeededRandom(seed: "Nm' \(run)")),
                card: PairingStateMachine(role: .card, staticKey: TestKeys.card, random: SeededRandom(seed: "Nr \(run)"))
            )
            toStation.exchangeKeys()
            toCard.exchangeKeys()
        }

        var stationCode: PairingCode? { toStation.stationCode }
        var cardCode: PairingCode? { toCard.cardCode }
    }

    @Test func substitutedKeysGiveDifferentCodesOnTheTwoSides() throws {
        for run in 0..<200 {
            let attack = MiddlePerson(run: run)
            let stationCode = try #require(attack.stationCode)
            let cardCode = try #require(attack.cardCode)
            #expect(stationCode != cardCode, "run \(run)")
        }
    }

    @Test func confirmingTheCodeTheOtherSideShowsFailsBothSides() throws {
        var attack = MiddlePerson(run: 0)
        let stationCode = try #require(attack.stationCode)
        let cardCode = try #require(attack.cardCode)
        // The user reads the card's code into the station and the station's into the card (--confirm CODE).
        attack.toStation.confirmStation(cardCode)
        attack.toCard.confirmCard(stationCode)
        #expect(failure(in: attack.toStation.stationActions)?.code == .codeMismatch)
        #expect(failure(in: attack.toCard.cardActions)?.code == .codeMismatch)
        #expect(!attack.toStation.stationActions.contains { if case .paired = $0 { true } else { false } })
        #expect(!attack.toCard.cardActions.contains { if case .paired = $0 { true } else { false } })
    }

    /// Mallory finishes the card's leg first, so she knows the card's code, then tries to steer the station's code
    /// to it. Her key and nonce are committed before the station's nonce exists; after it, she grinds a new nonce
    /// that gives the card's code — feasible, about 10^6 hashes — and reveals it. The commitment catches it.
    @Test func aNonceGroundAfterTheStationsNonceBreaksTheCommitment() throws {
        var station = PairingStateMachine(role: .station, staticKey: TestKeys.station, random: SeededRandom(seed: "Ni"))
        var mallory = PairingStateMachine(role: .card, staticKey: TestKeys.mallory, random: SeededRandom(seed: "Nm"))
        let start = station.start(now: .zero)
        let commit = mallory.receive(start.firstSent, now: .zero)
        guard case .stationNonce(let stationNonce) = try PairingMessage(decoding: station.receive(commit.firstSent, now: .zero).firstSent) else {
            Issue.record("the station did not send its nonce")
            return
        }

        let target = try #require(MiddlePerson(run: 7).cardCode)
        let groundNonce = try #require(grind(
            toward: target, stationKey: TestKeys.station.publicKey, cardKey: TestKeys.mallory.publicKey,
            stationNonce: stationNonce
        ))
        let actions = station.receive(PairingMessage.cardNonce(groundNonce).encoded, now: .zero)
        #expect(failure(in: actions)?.code == .commitmentMismatch)
        #expect(!actions.contains { if case .showCode = $0 { true } else { false } })
        #expect(sentMessages(in: actions) == [.abort(.protocolError)])
    }

    /// Swapping the card's key in COMMIT (keeping the card's commitment) fails at the reveal: C covers the key.
    @Test func aKeySwappedUnderTheCardsCommitmentIsCaught() throws {
        var ceremony = Ceremony()
        let start = ceremony.station.start(now: .zero)
        let commit = try PairingMessage(decoding: ceremony.card.receive(start.firstSent, now: .zero).firstSent)
        guard case .commit(_, let commitment) = commit else {
            Issue.record("the card did not commit")
            return
        }
        let swapped = PairingMessage.commit(cardKey: TestKeys.mallory.publicKey, commitment: commitment)
        let stationNonce = ceremony.station.receive(swapped.encoded, now: .zero)
        let reveal = ceremony.card.receive(stationNonce.firstSent, now: .zero)
        #expect(failure(in: ceremony.station.receive(reveal.firstSent, now: .zero))?.code == .commitmentMismatch)
    }

    /// A card's nonce whose code (docs/pairing-protocol.md's formula, computed here on its own) is `target`.
    private func grind(toward target: PairingCode, stationKey: [UInt8], cardKey: [UInt8], stationNonce: [UInt8]) -> [UInt8]? {
        var input = Array("pivlink-pairing-v1 code".utf8) + stationKey + cardKey + stationNonce + [UInt8](repeating: 0, count: 32)
        let counterOffset = input.count - 8
        let wanted = UInt64(target.digits) ?? 0
        for counter in UInt64(0)..<50_000_000 {
            withUnsafeBytes(of: counter.bigEndian) { input.replaceSubrange(counterOffset..., with: $0) }
            let digest = SHA256.hash(data: input)
            let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if value % 1_000_000 == wanted { return Array(input.suffix(32)) }
        }
        return nil
    }
}
