import Foundation
import ArgumentParser
import CardDaemon
import EventLoop
import PIVCard

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the credential as a PIV card: to pcscd through vsmartcard's vpcd, or to a station over Bluetooth LE.",
        discussion: """
            --vpcd connects to a vpcd that listens (Debian's default reader.conf: port 35963); the card is \
            inserted while connected and reconnects when pcscd restarts. --vpcd-listen waits for a vpcd in \
            reversed mode (reader.conf DEVICENAME 127.0.0.1:PORT) to connect. --ble registers the pivlink GATT \
            service and a private advertisement with bluetoothd on --adapter (default hci0), serves one paired \
            pivlink-station at a time over the secure channel, and serves org.pivlink.Card1 on the system bus \
            for pivlink-card pair and unpair; it registers again when bluetoothd restarts. Give exactly one of the \
            three: the card has one PIV session (PIN, management key), so one transport drives it.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .customLong("vpcd"), help: "HOST:PORT of a listening vpcd.")
    var vpcd: String?

    @Option(name: .customLong("vpcd-listen"), help: "HOST:PORT to listen on for vpcd's reversed mode.")
    var vpcdListen: String?

    @Flag(name: .customLong("ble"), help: "Serve over Bluetooth LE through bluetoothd on the system bus.")
    var ble = false

    @Option(name: .customLong("adapter"), help: "The Bluetooth adapter for --ble.")
    var adapter: String?

    @Flag(name: .customLong("acquire-notify"),
          help: "With --ble, offer bluetoothd an acquired notification socket (default: notifications go over D-Bus; see the README).")
    var acquireNotify = false

    @Option(name: .customLong("pin-timeout"), help: "Seconds without a command after which the PIN must be entered again.")
    var pinTimeout: Int = 900

    func validate() throws {
        guard [vpcd != nil, vpcdListen != nil, ble].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --vpcd HOST:PORT, --vpcd-listen HOST:PORT and --ble")
        }
        if acquireNotify, !ble {
            throw ValidationError("--acquire-notify goes with --ble")
        }
        if let adapter {
            guard ble else { throw ValidationError("--adapter goes with --ble") }
            guard !adapter.isEmpty, adapter.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ValidationError("--adapter must be an adapter name such as hci0")
            }
        }
        guard pinTimeout > 0 else { throw ValidationError("--pin-timeout must be a positive number of seconds") }
    }

    func run() throws {
        EventLoop.blockTerminationSignals()
        if ble {
            try runBLE()
        }
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
        let journal = Journal(identifier: "pivlink-card")
        journal.log("serving credential \(CardStatus(state).serial) from \(storeOptions.store) (\(mode))")
        let code = try VPCDServer.run(mode: mode, card: PIVCardSession(card: card), journal: journal)
        throw ExitCode(code)
    }

    private func runBLE() throws -> Never {
        let (directory, state) = try storeOptions.open(.readWrite)
        let store = CredentialStateStore(directory: directory)
        let card = PIVCard(
            state: state, store: store, configuration: CardConfiguration(idleTimeout: .seconds(pinTimeout)))
        let journal = Journal(identifier: "pivlink-card")
        let configuration = BLEPeripheralServer.Configuration(
            adapter: adapter ?? "hci0", offersAcquiredSockets: acquireNotify)
        journal.log("serving credential \(CardStatus(state).serial) from \(storeOptions.store) over Bluetooth LE on \(configuration.adapter)")
        let code = try BLEPeripheralServer.run(
            configuration: configuration, card: PIVCardSession(card: card),
            credentialVersion: { card.state.version }, store: store, journal: journal)
        throw ExitCode(code)
    }
}
