import Link
import PIVCard
import StationCore
import Testing

/// A `CardRelay` wired to a real `PIVCard` through a pretend radio that answers each link request the way
/// pivlink-card's link shell does: APDU → `process`, POWER_OFF and RESET → the session ends, POWER_ON and RESET
/// → the ATR, GET_CREDENTIAL_VERSION → `state.version`. It counts what crosses the radio.
final class RelayHarness {
    var relay: CardRelay
    var card: PIVCard
    private(set) var now = Duration.seconds(100)
    /// Every request that crossed the radio, in order.
    private(set) var crossings: [LinkMessage] = []
    private var insertedATR: [UInt8]?

    init(card: PIVCard, relay: CardRelay = CardRelay()) {
        self.card = card
        self.relay = relay
    }

    /// APDU requests that crossed the radio.
    var apduCrossings: Int {
        crossings.filter { if case .apdu = $0 { true } else { false } }.count
    }

    func resetCounts() { crossings = [] }

    func advance(by interval: Duration) { now += interval }

    /// Brings the link up and returns the ATR the card is inserted with into PC/SC.
    @discardableResult
    func linkUp(sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8]? {
        insertedATR = nil
        let replies = perform(relay.linkUp())
        #expect(replies.isEmpty, "no APDU was asked", sourceLocation: sourceLocation)
        return insertedATR
    }

    /// The link drops: the card's link shell ends the session, as a card pulled from its reader.
    func linkDown() {
        relay.linkDown()
        card.endSession()
    }

    /// One APDU from PC/SC; returns the station's answer.
    func send(_ command: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
        now += .milliseconds(5)
        let replies = perform(relay.receiveAPDU(command))
        #expect(replies.count == 1, "one answer per APDU", sourceLocation: sourceLocation)
        return replies.first ?? []
    }

    /// A vpcd control byte (0 off, 1 on, 2 reset).
    func control(_ byte: UInt8) {
        switch byte {
        case 0: _ = perform(relay.receivePowerOff())
        case 1: _ = perform(relay.receivePowerOn())
        default: _ = perform(relay.receiveReset())
        }
    }

    /// Carries out actions until none are left; returns the APDU answers given to PC/SC.
    private func perform(_ actions: [CardRelayAction]) -> [[UInt8]] {
        var pending = actions
        var replies: [[UInt8]] = []
        while !pending.isEmpty {
            let action = pending.removeFirst()
            switch action {
            case .send(let request):
                crossings.append(request)
                pending += relay.delivered(answer(request), now: .zero)
            case .reply(let bytes):
                replies.append(bytes)
            case .insertCard(let atr):
                insertedATR = atr
            case .dropLink(let reason):
                Issue.record("the relay dropped the link: \(reason)")
            case .roundTrip(let duration):
                Issue.record("a round trip of \(duration) that nobody probed")
            }
        }
        return replies
    }

    private func answer(_ request: LinkMessage) -> LinkMessage {
        switch request {
        case .apdu(let command): return .response(card.process(command, now: now))
        case .powerOn: return .atr(PIVCard.atr)
        case .powerOff:
            card.endSession()
            return .poweredOff
        case .reset:
            card.endSession()
            return .atr(PIVCard.atr)
        case .getCredentialVersion: return .credentialVersion(card.state.version)
        case .ping(let bytes): return .pong(bytes)
        case .unpair, .cancel, .pong, .response, .atr, .poweredOff, .credentialVersion, .unpaired, .error, .keepalive:
            return .error(.invalidCommand)
        }
    }
}
