import Proximity
import StationDaemon
import Testing

@Suite struct ProximityConfigTests {
    let base = StationConfigText.base

    @Test func withoutASectionTheDefaultsApply() throws {
        let config = try Config(yaml: base)
        #expect(config.proximity == ProximitySettings())
        #expect(config.proximitySignal == .kernel)
        #expect(config.roundTripInterval == .seconds(2))
    }

    @Test func theSignalNamesTheConnectedLinksSource() throws {
        let config = try Config(yaml: base + "proximity:\n  signal: emulator\n  away_drop: 25")
        #expect(config.proximitySignal == .emulator)
        #expect(config.proximity.awayDrop == 25)
        #expect(try Config(yaml: base + "proximity:\n  signal: none").proximitySignal == ConnectionSignal.none)
    }

    @Test func everyKeyIsRead() throws {
        let config = try Config(yaml: base + """
            proximity:
              filter_window: 2
              near_drop: 6
              uncertain_drop: 9
              away_drop: 25
              fall_drop: 18
              away_dwell: 1.5
              near_dwell: 0.5
              dwell_samples: 3
              fall_window: 3
              fall_loss_delay: 1
              loss_floor: -90
              uncertain_loss_timeout: 7
              uncertain_loss_window: 12
              link_loss_timeout: 30
              rebase_after: 90
              baseline_time_constant: 300
              advertisement_timeout: 10
              rtt_ceiling: 120.5
              rtt_interval: 0.75
            """)
        #expect(config.proximity == ProximitySettings(
            filterWindow: .seconds(2), uncertainDrop: 9, nearDrop: 6, awayDrop: 25, awayDwell: .milliseconds(1500),
            nearDwell: .milliseconds(500), dwellSamples: 3, fallDrop: 18, lossFloor: -90, fallWindow: .seconds(3),
            fallLossDelay: .seconds(1), uncertainLossTimeout: .seconds(7), uncertainLossWindow: .seconds(12),
            linkLossTimeout: .seconds(30),
            rebaseAfter: .seconds(90), baselineTimeConstant: .seconds(300), advertisementTimeout: .seconds(10),
            roundTripCeiling: .microseconds(120_500)))
        #expect(config.roundTripInterval == .milliseconds(750))
    }

    @Test(arguments: [
        ("proximity: 3", "'proximity' must hold"),
        ("proximity:\n  away: 20", "unknown setting 'proximity.away'"),
        ("proximity:\n  away_drop: far", "proximity.away_drop 'far'"),
        ("proximity:\n  away_dwell: -1", "proximity.away_dwell '-1'"),
        ("proximity:\n  dwell_samples: 1.5", "proximity.dwell_samples '1.5'"),
        ("proximity:\n  loss_floor: low", "proximity.loss_floor 'low' must be a level in dBm"),
        ("proximity:\n  loss_floor: 0", "lossFloor 0.0 must be a level from -120 to -30 dBm"),
        ("proximity:\n  near_drop: 12", "nearDrop (12.0 dB) must be below uncertainDrop"),
        ("proximity:\n  away_drop: [1, 2]", "'proximity.away_drop' must be a single value"),
        ("proximity:\n  signal: hci", "proximity.signal 'hci' must be one of kernel, none, emulator"),
        ("proximity:\n  signal: [emulator]", "'proximity.signal' must be a single value"),
        ("proximity:\n  rtt_ceiling: 10", "proximity.rtt_ceiling '10' must be a number of milliseconds from 15 to 5000"),
        ("proximity:\n  rtt_ceiling: fast", "proximity.rtt_ceiling 'fast' must be a number of milliseconds"),
        ("proximity:\n  rtt_interval: 0.1", "proximity.rtt_interval '0.1' must be a number of seconds from 0.5 to 60"),
        ("proximity:\n  rtt_interval: 61", "proximity.rtt_interval '61' must be a number of seconds"),
        ("proximity:\n  rtt_interval: [1]", "'proximity.rtt_interval' must be a single value"),
    ])
    func invalidSettingsSayWhatIsWrongInOneLine(yaml: String, expected: String) {
        StationConfigText.expectRefused(yaml, saying: expected)
    }
}
