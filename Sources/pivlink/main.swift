// pivlink: the command line for a pivlink station and card (one file per subcommand).
import ArgumentParser

struct Pivlink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivlink",
        abstract: "Inspect and tune a pivlink station.",
        subcommands: [
            StatusCommand.self, PairCommand.self, UnpairCommand.self, PauseCommand.self, ResumeCommand.self,
            CalibrateCommand.self, ProximityCommand.self,
        ]
    )
}

Pivlink.main()
