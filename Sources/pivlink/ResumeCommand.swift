import ArgumentParser

/// `pivlink resume`: ends a pause of the walk-away lock.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "End a pause of the walk-away lock now.",
        discussion: "Exits 3 when the station is not running."
    )

    func run() throws {
        try StationClient.perform { client throws(StationClientFailure) in
            _ = try client.call("ResumeAutoLock")
            print("auto-lock on")
        }
    }
}
