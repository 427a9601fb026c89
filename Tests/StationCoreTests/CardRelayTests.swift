import Link
import PivlinkTesting
import StationCore
import Testing

@Suite("CardRelay")
struct CardRelayTests {
    static let atr = hex("3B 80 80 01 01")

    /// A relay that has inserted the card.
    static func serving(version: UInt64 = 3) -> CardRelay {
        var relay = CardRelay()
        _ = relay.linkUp()
        _ = relay.delivered(.atr(atr), now: .zero)
        _ = relay.delivered(.credentialVersion(version), now: .zero)
        return relay
    }

    @Test("link up: power on, read the version, then insert the card with its ATR")
    func startUp() {
        var relay = CardRelay()
        #expect(relay.linkUp() == [.send(.powerOn)])
        #expect(relay.receiveAPDU(hex("00 A4 04 00")).isEmpty, "nothing is served before the card is inserted")
        #expect(relay.delivered(.atr(Self.atr), now: .zero) == [.send(.getCredentialVersion)])
        #expect(relay.delivered(.credentialVersion(3), now: .zero) == [.insertCard(atr: Self.atr)])
        #expect(relay.isServing)
        #expect(relay.atr == Self.atr)
    }

    @Test("an APDU goes to the card, its answer back to PC/SC, and a repeat is answered locally")
    func apdu() {
        // A new link starts a fresh card session, so the very first answer can be learnt.
        var relay = Self.serving()
        let select = hex("00 A4 04 00 05 A0 00 00 03 08")
        #expect(relay.receiveAPDU(select) == [.send(.apdu(select))])
        #expect(relay.delivered(.response(hex("61 03 4F 01 00 90 00")), now: .zero) == [.reply(hex("61 03 4F 01 00 90 00"))])
        #expect(relay.receiveAPDU(select) == [.reply(hex("61 03 4F 01 00 90 00"))])
    }

    @Test("power-off and reset go to the card in order with the APDUs; vpcd gets no answer to them")
    func controlOrder() {
        var relay = Self.serving()
        let verify = hex("00 20 00 80")
        #expect(relay.receivePowerOff() == [.send(.powerOff)])
        #expect(relay.receiveReset().isEmpty)
        #expect(relay.receiveAPDU(verify).isEmpty)
        #expect(relay.delivered(.poweredOff, now: .zero) == [.send(.reset)])
        #expect(relay.delivered(.atr(Self.atr), now: .zero) == [.send(.apdu(verify))])
        #expect(relay.delivered(.response(hex("63 C5")), now: .zero) == [.reply(hex("63 C5"))])
    }

    @Test("the reader leaving with an APDU at the card: its answer goes nowhere, and the next reader's APDUs are its own")
    func readerLeavesWithAnAPDUInFlight() {
        var relay = Self.serving()
        let generate = hex("00 47 00 9A 05 AC 03 80 01 11")
        let select = hex("00 A4 04 00 05 A0 00 00 03 08")
        #expect(relay.receiveAPDU(generate) == [.send(.apdu(generate))])
        #expect(relay.readerDisconnected().isEmpty, "POWER_OFF waits behind the APDU with the card")
        // The card is presented again and the new PC/SC connection speaks before the old answer came.
        #expect(relay.receivePowerOn().isEmpty)
        #expect(relay.receiveAPDU(select).isEmpty)
        #expect(relay.delivered(.response(hex("7F 49 03 86 01 04 90 00")), now: .zero) == [.send(.powerOff)], "no reply to anyone")
        // The card may have written before its answer was lost to the reader: the version is read again first.
        #expect(relay.delivered(.poweredOff, now: .zero) == [.send(.getCredentialVersion)])
        #expect(relay.delivered(.credentialVersion(4), now: .zero) == [.send(.powerOn)])
        #expect(relay.delivered(.atr(Self.atr), now: .zero) == [.send(.apdu(select))])
        #expect(relay.delivered(.response(hex("61 03 4F 01 00 90 00")), now: .zero) == [.reply(hex("61 03 4F 01 00 90 00"))])
    }

    @Test("the reader leaving with an APDU queued: it is never sent")
    func readerLeavesWithAnAPDUQueued() {
        var relay = Self.serving()
        let putData = hex("00 DB 3F FF 06 5C 01 7E 53 01 00")
        let discovery = hex("00 CB 3F FF 03 5C 01 7E 00")
        _ = relay.receiveAPDU(putData)
        _ = relay.delivered(.response(hex("90 00")), now: .zero)
        #expect(relay.receiveAPDU(discovery).isEmpty, "queued behind the version")
        #expect(relay.readerDisconnected().isEmpty)
        #expect(relay.delivered(.credentialVersion(4), now: .zero) == [.send(.powerOff)])
        #expect(relay.delivered(.poweredOff, now: .zero).isEmpty)
    }

    @Test("after a write the version is read again before the next request")
    func versionAfterWrite() {
        var relay = Self.serving()
        let putData = hex("00 DB 3F FF 06 5C 01 7E 53 01 00")
        let discovery = hex("00 CB 3F FF 03 5C 01 7E 00")
        _ = relay.receiveAPDU(putData)
        #expect(relay.delivered(.response(hex("90 00")), now: .zero) == [.reply(hex("90 00")), .send(.getCredentialVersion)])
        #expect(relay.receiveAPDU(discovery).isEmpty, "queued behind the version")
        #expect(relay.delivered(.credentialVersion(4), now: .zero) == [.send(.apdu(discovery))])
        #expect(relay.cache.credentialVersion == 4)
    }

    @Test("a failed request drops the link and is never sent again")
    func failure() {
        var relay = Self.serving()
        let sign = hex("00 87 11 9A 04 7C 02 82 00")
        _ = relay.receiveAPDU(sign)
        #expect(relay.failed(LinkError(.timeout, "silent")) == [.dropLink(reason: "APDU (82) failed: silent")])
        #expect(!relay.isServing)
        #expect(relay.linkUp() == [.send(.powerOn)])
        #expect(relay.delivered(.atr(Self.atr), now: .zero) == [.send(.getCredentialVersion)])
        #expect(relay.delivered(.credentialVersion(3), now: .zero) == [.insertCard(atr: Self.atr)])
    }

    @Test("an answer that does not fit the request drops the link")
    func mismatch() {
        var relay = Self.serving()
        _ = relay.receiveAPDU(hex("00 CB 3F FF 03 5C 01 7E 00"))
        #expect(relay.delivered(.poweredOff, now: .zero) == [.dropLink(reason: "the card answered APDU (82) with POWERED_OFF (94)")])
    }

    /// The PING the last actions sent, if they sent one.
    static func ping(in actions: [CardRelayAction]) -> [UInt8]? {
        guard actions.count == 1, case .send(.ping(let bytes)) = actions[0] else { return nil }
        return bytes
    }

    @Test("a probe sends a PING of 8 fresh bytes and reports its PONG's round trip from when it was sent")
    func probe() throws {
        var relay = Self.serving()
        let first = try #require(Self.ping(in: relay.probeRoundTrip(now: .seconds(10))))
        #expect(first.count == 8)
        #expect(relay.delivered(.pong(first), now: .seconds(10) + .milliseconds(62)) == [.roundTrip(.milliseconds(62))])
        let second = try #require(Self.ping(in: relay.probeRoundTrip(now: .seconds(12))))
        #expect(second.count == 8 && second != first)
        #expect(relay.delivered(.pong(second), now: .seconds(12) + .milliseconds(300)) == [.roundTrip(.milliseconds(300))])
    }

    @Test("no probe unless serving with nothing queued or in flight: an APDU's time includes the card's work")
    func probeOnlyWhenIdle() {
        var starting = CardRelay()
        #expect(starting.probeRoundTrip(now: .zero).isEmpty, "down")
        _ = starting.linkUp()
        #expect(starting.probeRoundTrip(now: .zero).isEmpty, "powering on")
        var relay = Self.serving()
        let select = hex("00 A4 04 00 05 A0 00 00 03 08")
        _ = relay.receiveAPDU(select)
        #expect(relay.probeRoundTrip(now: .zero).isEmpty, "an APDU in flight")
        _ = relay.receivePowerOff()
        _ = relay.delivered(.response(hex("90 00")), now: .milliseconds(5))
        #expect(relay.probeRoundTrip(now: .milliseconds(5)).isEmpty, "POWER_OFF in flight")
        _ = relay.delivered(.poweredOff, now: .milliseconds(9))
        #expect(Self.ping(in: relay.probeRoundTrip(now: .milliseconds(9))) != nil)
        #expect(relay.probeRoundTrip(now: .milliseconds(9)).isEmpty, "a PING in flight")
    }

    @Test("an APDU arriving while a PING is out waits behind it and goes when the PONG is back")
    func apduWaitsBehindThePing() throws {
        var relay = Self.serving()
        let bytes = try #require(Self.ping(in: relay.probeRoundTrip(now: .seconds(1))))
        let select = hex("00 A4 04 00 05 A0 00 00 03 08")
        #expect(relay.receiveAPDU(select).isEmpty)
        #expect(relay.delivered(.pong(bytes), now: .seconds(1) + .milliseconds(80)) == [.roundTrip(.milliseconds(80)), .send(.apdu(select))])
        #expect(relay.delivered(.response(hex("90 00")), now: .seconds(2)) == [.reply(hex("90 00"))], "no round trip for an APDU")
    }

    @Test("a PING that fails drops the link, and the next link's PONG of an old PING is no round trip")
    func pingFails() throws {
        var relay = Self.serving()
        _ = try #require(Self.ping(in: relay.probeRoundTrip(now: .zero)))
        #expect(relay.failed(LinkError(.timeout, "silent")) == [.dropLink(reason: "PING (81) failed: silent")])
        #expect(relay.delivered(.pong([1]), now: .seconds(1)).isEmpty)
    }

    @Test("fewer than 4 bytes are refused as a wrong length without crossing the radio")
    func shortAPDU() {
        var relay = Self.serving()
        #expect(relay.receiveAPDU([0x00, 0xA4, 0x04]) == [.reply([0x67, 0x00])])
    }
}
