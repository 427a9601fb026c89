import Foundation
import ArgumentParser
import CardDaemon
import EventLoop
import PIVCard

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the credential as a PIV card to pcscd through vsmartcard's vpcd.",
        discussion: """
            --vpcd connects to a vpcd that listens (Debian's default reader.conf: port 35963); the card is \
            inserted while connected and reconnects when pcscd restarts. --vpcd-listen waits for a vpcd in \
            reversed mode (reader.conf DEVICENAME 127.0.0.1:PORT) to connect.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("vpcd"), help: "HOST:PORT of a listening vpcd.")
    var vpcd: String?

    @Option(name: .customLong("vpcd-listen"), help: "HOST:PORT to listen on for vpcd's reversed mode.")
    var vpcdListen: String?

    @Option(name: .customLong("pin-timeout"), help: "Seconds without a command after which the PIN must be entered again.")
    var pinTimeout: Int = 900

    func validate() throws {
        guard (vpcd == nil) != (vpcdListen == nil) else {
            throw ValidationError("give exactly one of --vpcd HOST:PORT and --vpcd-listen HOST:PORT")
        }
        guard pinTimeout > 0 else { throw ValidationError("--pin-timeout must be a positive number of seconds") }
    }

    func run() throws {
        EventLoop.blockTerminationSignals()
        let mode: VPCDServer.Mode
        if let vpcd {
            let (host, port) = try VPCDServer.Mode.parseEndpoint(vpcd)
            mode = .connect(host: host, port: port)
        } else {
            let (host, port) = try VPCDServer.Mode.parseEndpoint(vpcdListen ?? "")
            mode = .listen(host: host, port: port)
        }
        let (directory, state) = try storeOptions.open(.readWrite)
        let card = PIVCard(
            state: state, store: CredentialStateStore(directory: directory),
            configuration: CardConfiguration(idleTimeout: .seconds(pinTimeout)))
        let log: (String) -> Void = { line in FileHandleOutput.standardError("pivlink-card: \(line)") }
        log("serving credential \(CardStatus(state).serial) from \(storeOptions.store) (\(mode))")
        let code = try VPCDServer.run(mode: mode, card: PIVCardSession(card: card), log: log)
        throw ExitCode(code)
    }
}

enum FileHandleOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
