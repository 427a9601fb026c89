import ArgumentParser

/// pivlink-bench: benchmarks that print figures measured side by side in one run, as ratios against a baseline,
/// because the machines they run on are shared and noisy.
struct PivlinkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivlink-bench",
        abstract: "pivlink benchmarks (scripts/bench runs them with the setup they need).",
        subcommands: [CardCommand.self, ChannelCommand.self]
    )
}

PivlinkBench.main()
