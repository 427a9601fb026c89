import Proximity
import Testing

@Suite struct ProximitySettingsTests {
    @Test func defaultsAreValid() throws {
        try ProximitySettings().validate()
    }

    @Test(arguments: [
        ProximitySettings(uncertainDrop: 10, nearDrop: 10),
        ProximitySettings(uncertainDrop: 30, awayDrop: 30),
        ProximitySettings(awayDrop: .nan),
        ProximitySettings(nearDrop: -1),
        ProximitySettings(awayDwell: .seconds(-1)),
        ProximitySettings(dwellSamples: 0),
        ProximitySettings(rebaseAfter: .zero),
        ProximitySettings(lossFloor: -10),
        ProximitySettings(lossFloor: .infinity),
        ProximitySettings(roundTripCeiling: .milliseconds(10)),
        ProximitySettings(roundTripCeiling: .seconds(6)),
    ])
    func contradictionsAndRangesAreRefused(settings: ProximitySettings) {
        #expect(throws: ProximityError.self) { try settings.validate() }
        do {
            try settings.validate()
        } catch {
            #expect(error.code == .invalidSettings)
            #expect(!error.detail.contains("\n"))
        }
    }
}
