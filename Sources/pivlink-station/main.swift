// pivlink-station: relays the card on the phone (pivlink-card serve --ble) to pcscd over Bluetooth LE.
import ArgumentParser
import EventLoop
import Foundation
import StationDaemon

struct StationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pivlink-station",
        abstract: "Present the pivlink card on the phone to pcscd, over Bluetooth LE and vsmartcard's vpcd.",
        discussion: """
            The station connects to the card's device named in its config (until pairing exists, by its \
            Bluetooth address), and the card is in pcscd while the link is up. It reconnects with backoff and \
            never sends a command twice: a link lost mid-command removes the card from PC/SC.
            """
    )

    @Flag(help: "Run in the foreground, logging to standard error (also how the systemd service runs it).")
    var foreground = false

    @Option(help: "The config file.")
    var config: String = Config.defaultPath

    func validate() throws {
        guard foreground else {
            throw ValidationError("pivlink-station only runs in the foreground for now: add --foreground")
        }
    }

    func run() throws {
        EventLoop.blockTerminationSignals()
        let log: (String) -> Void = { line in FileHandle.standardError.write(Data("pivlink-station: \(line)\n".utf8)) }
        do {
            let settings = try Config.load(path: config)
            log("card \(settings.deviceAddress) on \(settings.adapter); vpcd at \(settings.vpcdHost):\(settings.vpcdPort)")
            throw ExitCode(try Manager.run(config: settings, log: log))
        } catch let error as StationDaemonError {
            log(error.detail)
            throw ExitCode(error.code == .invalidConfig || error.code == .unreadableConfig ? 78 : 1)
        }
    }
}

StationCommand.main()
