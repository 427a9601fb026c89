import Proximity
import Testing

@Suite struct BaselineCalibrationTests {
    @Test func theBaselineIsEachSourcesMedian() throws {
        var calibration = BaselineCalibration()
        for value in [-60.0, -61, -59, -90, -60, -62, -58, -60, -95, -61, -60] {
            calibration.add(dBm: value, source: .connection)
        }
        calibration.add(dBm: .nan, source: .connection)
        let baseline = try calibration.baseline()
        #expect(baseline == ProximityBaseline(connection: -60, advertisement: nil))
    }

    @Test func tooFewSamplesSayWhatToDo() {
        var calibration = BaselineCalibration()
        for _ in 0..<9 { calibration.add(dBm: -60, source: .advertisement) }
        do {
            _ = try calibration.baseline()
            Issue.record("a baseline from 9 samples")
        } catch {
            #expect(error.code == .insufficientCalibration)
            #expect(error.detail.contains("9 RSSI samples"))
        }
    }

    @Test func theEngineStartsFromTheCalibratedBaseline() throws {
        var calibration = BaselineCalibration()
        for index in 0..<20 { calibration.add(dBm: -70 + Double(index % 3), source: .advertisement) }
        let baseline = try calibration.baseline()
        let restored = ProximityEngine(baseline: baseline).baseline
        #expect(restored == baseline)
    }
}
