import ArgumentParser

/// pivlink-card: a derived PIV credential kept in a device-bound store and served as a PIV smart card.
struct PivlinkCard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivlink-card",
        abstract: "A derived PIV credential (NIST SP 800-157) served as a PIV smart card.",
        subcommands: [InitCommand.self, StatusCommand.self, ServeCommand.self, PairCommand.self, UnpairCommand.self]
    )
}

PivlinkCard.main()
