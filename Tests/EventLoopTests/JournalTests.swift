import Testing

@testable import EventLoop

struct JournalTests {
    @Test func journalStreamMatchesOnlyStderrsDeviceAndInode() {
        #expect(Journal.streamMatches("2049:131", device: 2049, inode: 131))
        #expect(!Journal.streamMatches("2049:132", device: 2049, inode: 131))
        #expect(!Journal.streamMatches("2050:131", device: 2049, inode: 131))
    }

    @Test(arguments: [nil, "", ":", "2049", "2049:", ":131", "2049:131:7", "x:131", "2049:-131", " 2049:131"])
    func malformedJournalStreamMeansStderr(_ value: String?) {
        #expect(!Journal.streamMatches(value, device: 2049, inode: 131))
    }

    @Test func entryCarriesPriorityIdentifierMessageIDAndSortedFields() {
        let entry = Journal.entry(
            "link up", priority: .notice, id: .linkUp, identifier: "pivlink-station",
            fields: ["PIVLINK_DEVICE": "00:AA:01:00:00:00", "PIVLINK_ATT_MTU": "517"])
        #expect(entry == [
            "MESSAGE=link up", "PRIORITY=5", "SYSLOG_IDENTIFIER=pivlink-station",
            "MESSAGE_ID=891d96c7a9134a06b1230b9b97a65ad0", "PIVLINK_ATT_MTU=517", "PIVLINK_DEVICE=00:AA:01:00:00:00",
        ])
    }

    @Test func entryWithoutMessageIDHasNone() {
        let entry = Journal.entry("hello", priority: .info, id: nil, identifier: "pivlink-card", fields: [:])
        #expect(entry == ["MESSAGE=hello", "PRIORITY=6", "SYSLOG_IDENTIFIER=pivlink-card"])
    }

    @Test func fieldsTheJournalWouldRefuseAreDropped() {
        let entry = Journal.entry(
            "x", priority: .info, id: nil, identifier: "p",
            fields: ["_PID": "1", "lower": "1", "1ST": "1", "A-B": "1", String(repeating: "A", count: 65): "1", "OK_1": "1"])
        #expect(entry.dropFirst(3) == ["OK_1=1"])
    }

    @Test func messageIDsAreDistinct128BitHex() {
        let ids: [JournalMessageID] = [
            .linkUp, .linkDown, .cardInserted, .cardRemoved, .sessionLocked, .roundTripSlow, .roundTripRecovered,
        ]
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.hex.count == 32)
            #expect(id.hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        }
    }
}
