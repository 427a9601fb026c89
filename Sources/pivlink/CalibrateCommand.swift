import ArgumentParser
import Foundation
import StationDaemon

/// `pivlink calibrate`: the station measures the seated baseline while the holder sits at the desk.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Measure the seated signal level the walk-away lock is relative to.",
        discussion: """
            Sit at the desk as you usually do, with the phone where it usually is, while the station listens. \
            It keeps the baseline in its state. Exits 3 when the station is not running.
            """
    )

    @Option(help: "How long to listen, in seconds (\(StationBusService.calibrationSeconds.lowerBound) to \(StationBusService.calibrationSeconds.upperBound)).")
    var seconds: UInt32 = 10

    func validate() throws {
        let range = StationBusService.calibrationSeconds
        guard range.contains(seconds) else {
            throw ValidationError("--seconds must be \(range.lowerBound) to \(range.upperBound), not \(seconds)")
        }
    }

    func run() throws {
        try StationClient.perform { client throws(StationClientFailure) in
            // Unbuffered, so that it shows while the station listens.
            FileHandle.standardOutput.write(Data("listening for \(seconds) s: stay seated\n".utf8))
            // The station answers when it has listened; allow for the bus on top.
            let values = try client.call(
                "Calibrate", arguments: [.uint32(seconds)], timeout: .seconds(Int(seconds) + 15))
            guard values.count == 1, let baseline = values[0].int16 else {
                throw StationClientFailure("the station answered Calibrate with \(values): update pivlink to the station's version", status: 1)
            }
            print("seated baseline: \(baseline) dBm (connection RSSI)")
        }
    }
}
