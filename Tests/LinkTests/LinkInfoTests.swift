import Link
import PivlinkTesting
import Testing

struct LinkInfoTests {
    @Test func writesAndReadsTheDocumentedLayout() throws {
        let info = LinkInfo(versions: 1...3, maximumFragment: 244, maximumMessage: 4096, capabilities: LinkCapabilities(rawValue: 0x8000_0001))
        #expect(info.bytes == hex("01 03 00 F4 10 00 80 00 00 01"))
        #expect(try LinkInfo(bytes: info.bytes) == info)
        #expect(LinkInfo().bytes == hex("01 01 02 00 FF FF 00 00 00 00"))
    }

    @Test func ignoresBytesALaterVersionAppends() throws {
        #expect(try LinkInfo(bytes: hex("01 02 00 14 01 05 00 00 00 00 AA BB CC")) == LinkInfo(versions: 1...2, maximumFragment: 20, maximumMessage: 261))
    }

    @Test func refusesEveryTruncatedPrefix() {
        let bytes = LinkInfo().bytes
        for length in 0..<bytes.count {
            #expect(thrownCode { try LinkInfo(bytes: Array(bytes.prefix(length))) } == .invalidInfo, "\(length) bytes")
        }
    }

    @Test(arguments: [
        "00 01 02 00 FF FF 00 00 00 00", "02 01 02 00 FF FF 00 00 00 00", "01 01 00 13 FF FF 00 00 00 00",
        "01 01 02 01 FF FF 00 00 00 00", "01 01 02 00 01 04 00 00 00 00", "01 01 00 00 00 00 00 00 00 00",
    ])
    func refusesValuesOutsideTheirRanges(bytes: String) {
        #expect(thrownCode { try LinkInfo(bytes: hex(bytes)) } == .invalidInfo)
    }

    @Test(arguments: [
        (UInt8(1)...1, UInt8(1)...1, UInt8?(1)), (1...4, 1...2, 2), (1...2, 1...4, 2), (2...3, 1...5, 3),
        (3...4, 1...2, nil), (1...1, 2...3, nil),
    ])
    func negotiatesTheHighestCommonVersion(card: ClosedRange<UInt8>, station: ClosedRange<UInt8>, expected: UInt8?) throws {
        let info = LinkInfo(versions: card)
        if let expected {
            #expect(try info.negotiatedVersion(stationVersions: station) == expected)
        } else {
            #expect(thrownCode { try info.negotiatedVersion(stationVersions: station) } == .unsupportedVersion)
        }
    }

    @Test func namesTheSideToUpdateWhenVersionsDoNotMeet() {
        #expect(throws: LinkError.self) { try LinkInfo(versions: 2...2).negotiatedVersion() }
        do {
            _ = try LinkInfo(versions: 2...2).negotiatedVersion()
        } catch {
            #expect(error.detail == "the card speaks link versions 2…2, the station 1…1: update pivlink-station")
        }
    }

    @Test(arguments: [(23, 20), (185, 182), (247, 200), (517, 200)])
    func capsTheFragmentSizeAtTheCardsMaximum(mtu: Int, size: Int) throws {
        #expect(try LinkInfo(maximumFragment: 200).fragmentSize(forMTU: mtu) == size)
    }

    @Test func refusesAnMTUBelowTheBLEMinimum() {
        #expect(thrownCode { try LinkInfo().fragmentSize(forMTU: 22) } == .mtuTooSmall)
    }
}
