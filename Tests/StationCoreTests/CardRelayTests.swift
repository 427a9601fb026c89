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
        _ = relay.delivered(.atr(atr))
        _ = relay.delivered(.credentialVersion(version))
        return relay
    }

    @Test("link up: power on, read the version, then insert the card with its ATR")
    func startUp() {
        var relay = CardRelay()
        #expect(relay.linkUp() == [.send(.powerOn)])
        #expect(relay.receiveAPDU(hex("00 A4 04 00")).isEmpty, "nothing is served before the card is inserted")
        #expect(relay.delivered(.atr(Self.atr)) == [.send(.getCredentialVersion)])
        #expect(relay.delivered(.credentialVersion(3)) == [.insertCard(atr: Self.atr)])
        #expect(relay.isServing)
        #expect(relay.atr == Self.atr)
    }

    @Test("an APDU goes to the card, its answer back to PC/SC, and a repeat is answered locally")
    func apdu() {
        // A new link starts a fresh card session, so the very first answer can be learnt.
        var relay = Self.serving()
        let select = hex("00 A4 04 00 05 A0 00 00 03 08")
        #expect(relay.receiveAPDU(select) == [.send(.apdu(select))])
        #expect(relay.delivered(.response(hex("61 03 4F 01 00 90 00"))) == [.reply(hex("61 03 4F 01 00 90 00"))])
        #expect(relay.receiveAPDU(select) == [.reply(hex("61 03 4F 01 00 90 00"))])
    }

    @Test("power-off and reset go to the card in order with the APDUs; vpcd gets no answer to them")
    func controlOrder() {
        var relay = Self.serving()
        let verify = hex("00 20 00 80")
        #expect(relay.receivePowerOff() == [.send(.powerOff)])
        #expect(relay.receiveReset().isEmpty)
        #expect(relay.receiveAPDU(verify).isEmpty)
        #expect(relay.delivered(.poweredOff) == [.send(.reset)])
        #expect(relay.delivered(.atr(Self.atr)) == [.send(.apdu(verify))])
        #expect(relay.delivered(.response(hex("63 C5"))) == [.reply(hex("63 C5"))])
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
        #expect(relay.delivered(.response(hex("7F 49 03 86 01 04 90 00"))) == [.send(.powerOff)], "no reply to anyone")
        // The card may have written before its answer was lost to the reader: the version is read again first.
        #expect(relay.delivered(.poweredOff) == [.send(.getCredentialVersion)])
        #expect(relay.delivered(.credentialVersion(4)) == [.send(.powerOn)])
        #expect(relay.delivered(.atr(Self.atr)) == [.send(.apdu(select))])
        #expect(relay.delivered(.response(hex("61 03 4F 01 00 90 00"))) == [.reply(hex("61 03 4F 01 00 90 00"))])
    }

    @Test("the reader leaving with an APDU queued: it is never sent")
    func readerLeavesWithAnAPDUQueued() {
        var relay = Self.serving()
        let putData = hex("00 DB 3F FF 06 5C 01 7E 53 01 00")
        let discovery = hex("00 CB 3F FF 03 5C 01 7E 00")
        _ = relay.receiveAPDU(putData)
        _ = relay.delivered(.response(hex("90 00")))
        #expect(relay.receiveAPDU(discovery).isEmpty, "queued behind the version")
        #expect(relay.readerDisconnected().isEmpty)
        #expect(relay.delivered(.credentialVersion(4)) == [.send(.powerOff)])
        #expect(relay.delivered(.poweredOff).isEmpty)
    }

    @Test("after a write the version is read again before the next request")
    func versionAfterWrite() {
        var relay = Self.serving()
        let putData = hex("00 DB 3F FF 06 5C 01 7E 53 01 00")
        let discovery = hex("00 CB 3F FF 03 5C 01 7E 00")
        _ = relay.receiveAPDU(putData)
        #expect(relay.delivered(.response(hex("90 00"))) == [.reply(hex("90 00")), .send(.getCredentialVersion)])
        #expect(relay.receiveAPDU(discovery).isEmpty, "queued behind the version")
        #expect(relay.delivered(.credentialVersion(4)) == [.send(.apdu(discovery))])
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
        #expect(relay.delivered(.atr(Self.atr)) == [.send(.getCredentialVersion)])
        #expect(relay.delivered(.credentialVersion(3)) == [.insertCard(atr: Self.atr)])
    }

    @Test("an answer that does not fit the request drops the link")
    func mismatch() {
        var relay = Self.serving()
        _ = relay.receiveAPDU(hex("00 CB 3F FF 03 5C 01 7E 00"))
        #expect(relay.delivered(.poweredOff) == [.dropLink(reason: "the card answered APDU (82) with POWERED_OFF (94)")])
    }

    @Test("fewer than 4 bytes are refused as a wrong length without crossing the radio")
    func shortAPDU() {
        var relay = Self.serving()
        #expect(relay.receiveAPDU([0x00, 0xA4, 0x04]) == [.reply([0x67, 0x00])])
    }
}
