import ArgumentParser
import Foundation
import Proximity
import ProximitySimulation
import StationDaemon

/// `pivlink proximity replay`: the station's own policy on a recorded trace.
struct ProximityReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the station's walk-away policy on a trace file and print its decisions.",
        discussion: """
            The trace is CSV with a header line t,rssi: time in seconds, RSSI in dBm, empty while the link is \
            down; further columns are ignored. The baseline is learnt from the trace as the station learns it \
            online (the holder is taken as seated when the trace starts). Events: state (near, uncertain, away, \
            lost; one at the first sample), lock (at most one per away episode), card-removed, card-presented.
            """
    )

    @Option(help: "The trace file (CSV: t,rssi).")
    var trace: String

    @Flag(help: "Print one JSON object per line: {\"t\":…,\"event\":…} (and \"state\" for state events).")
    var json = false

    @Option(help: "A station.conf whose proximity: section overrides the default thresholds.")
    var config: String?

    func run() throws {
        do {
            let settings = try config.map { path throws(StationDaemonError) in try Config.load(path: path).proximity }
                ?? ProximitySettings()
            let text: String
            do {
                text = try String(contentsOfFile: trace, encoding: .utf8)
            } catch {
                throw ReplayFailure("cannot read \(trace) (\((error as NSError).localizedFailureReason ?? error.localizedDescription)): pass a CSV trace with a header line t,rssi")
            }
            let parsed = try TraceCSV.parse(text, source: trace)
            let events = ReplayEvents.events(of: EngineReplay(settings: settings).run(parsed), trace: parsed)
            if json {
                for event in events { print(event.json) }
            } else {
                print(ReplayEvents.table(events))
            }
        } catch let error as StationDaemonError {
            throw ReplayFailure(error.detail)
        } catch let error as ProximitySimulationError {
            throw ReplayFailure(error.detail)
        }
    }
}

/// A one-line failure: printed as `Error: …`, exit status 1.
struct ReplayFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
