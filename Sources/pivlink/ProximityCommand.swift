import ArgumentParser

/// `pivlink proximity …`: the walk-away lock's simulator and trace replay.
struct ProximityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proximity",
        abstract: "Score the walk-away lock policy on simulated traces, or replay it on a recorded one.",
        subcommands: [ProximitySimulateCommand.self, ProximityReplayCommand.self]
    )
}
