import ArgumentParser
import StationDaemon

/// `pivlink pause --for 30m`: no walk-away lock until the time is up (or `pivlink resume`).
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause the walk-away lock for a while (at most 8 hours).",
        discussion: "Exits 3 when the station is not running."
    )

    @Option(
        name: .customLong("for"),
        help: ArgumentHelp("How long: a whole number with s, m or h (90s, 30m, 2h); 1s to 8h.", valueName: "duration"),
        transform: PauseDuration.seconds(parsing:))
    var seconds: UInt32

    func run() throws {
        try StationClient.perform { client throws(StationClientFailure) in
            _ = try client.call("PauseAutoLock", arguments: [.uint32(seconds)])
            print("auto-lock paused for \(PauseDuration.text(seconds)); pivlink resume ends the pause")
        }
    }
}
