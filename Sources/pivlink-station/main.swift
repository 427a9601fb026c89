// pivlink-station: relays the card on the phone (pivlink-card serve --ble) to pcscd over Bluetooth LE.
import ArgumentParser
import EventLoop
import StationDaemon

struct StationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivlink-station",
        abstract: "Present the pivlink card on the phone to pcscd, over Bluetooth LE and vsmartcard's vpcd.",
        discussion: """
            The station serves the cards paired with it (`pivlink pair`), which it recognises by their private \
            advertisements; every connection runs the secure channel, and the card is in pcscd while it is open. \
            It reconnects with backoff and never sends a command twice: a link lost mid-command removes the card \
            from PC/SC. Its pairings are kept encrypted in $STATE_DIRECTORY/pairing (/var/lib/pivlink-station).

            It always runs in the foreground, as systemd's Type=notify service (systemd/pivlink-station.service) \
            runs it: READY once it looks for the card, STATUS as the link and the card come and go, the watchdog \
            from its event loop. It logs to the journal with structured fields when its standard error is the \
            journal ($JOURNAL_STREAM), otherwise one line per event to standard error.
            """
    )

    @Flag(help: "Accepted for compatibility: the station always runs in the foreground.")
    var foreground = false

    @Option(help: "The config file.")
    var config: String = Config.defaultPath

    func run() throws {
        EventLoop.blockTerminationSignals()
        let journal = Journal(identifier: "pivlink-station")
        do {
            let settings = try Config.load(path: config)
            journal.log("adapter \(settings.adapter); vpcd at \(settings.vpcdHost):\(settings.vpcdPort)")
            throw ExitCode(try Manager.run(config: settings, journal: journal))
        } catch let error as StationDaemonError {
            journal.log(error.detail, priority: .error)
            throw ExitCode(error.code == .invalidConfig || error.code == .unreadableConfig ? 78 : 1)
        }
    }
}

StationCommand.main()
