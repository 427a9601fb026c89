import DBus
import Proximity
import Testing

@testable import StationDaemon

@Suite struct LinkStateTrackerTests {
    @Test func upNeedsBothConnectedAndServicesResolved() {
        var tracker = LinkStateTracker()
        #expect(tracker.apply(changed: ["Connected": .boolean(true)]) == nil)
        #expect(tracker.apply(changed: ["ServicesResolved": .boolean(true)]) == .linkUp)
        #expect(tracker.apply(changed: ["Connected": .boolean(true), "RSSI": .int16(-50)]) == nil)
        #expect(tracker.isUp)
    }

    @Test func eitherGoingFalseOrInvalidatedIsDown() {
        var tracker = LinkStateTracker()
        #expect(tracker.apply(changed: ["Connected": .boolean(true), "ServicesResolved": .boolean(true)]) == .linkUp)
        #expect(tracker.apply(changed: ["ServicesResolved": .boolean(false)]) == .linkDown)
        #expect(tracker.apply(changed: ["Connected": .boolean(false)]) == nil)
        #expect(tracker.apply(changed: ["Connected": .boolean(true), "ServicesResolved": .boolean(true)]) == .linkUp)
        #expect(tracker.apply(changed: [:], invalidated: ["Connected"]) == .linkDown)
    }

    @Test func aMalformedValueCountsAsFalse() {
        var tracker = LinkStateTracker()
        #expect(tracker.apply(changed: ["Connected": .string("yes"), "ServicesResolved": .boolean(true)]) == nil)
        #expect(!tracker.isUp)
    }
}
