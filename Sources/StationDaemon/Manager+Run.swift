import BlueZ
import CardCrypto
import CredentialStore
import DBus
import EventLoop

#if canImport(Glibc)
import Glibc
#endif

extension Manager {
    /// Runs the station on the system bus's bluetoothd until SIGTERM or SIGINT, then removes the card from pcscd,
    /// disconnects and returns exit code 0: what `pivlink-station` runs. Tells systemd READY=1 once it is
    /// connected to the bus and looking for the card (not when the card is up: the phone may be away), STATUS= as
    /// the link and the card come and go, and STOPPING=1 on the signal; the event loop pings the watchdog when
    /// systemd asks for it (`WatchdogSec=`). Losing the bus connection ends it with code 1. Its state is on the bus as
    /// org.pivlink.Station1 (`StationBusService`), which also takes the holder's pause and calibration calls.
    public static func run(config: Config, journal: Journal) throws(StationDaemonError) -> Int32 {
        let loop: EventLoop
        do {
            loop = try EventLoop()
        } catch {
            throw StationDaemonError(.eventLoopFailed, error.detail)
        }
        let connection: DBusConnection
        do {
            connection = try DBusConnection(.system, loop: loop)
        } catch {
            throw StationDaemonError(.busFailed, "cannot connect to the system bus: \(error.message)")
        }
        var seed = UInt64(0)
        arc4random_buf(&seed, MemoryLayout<UInt64>.size)
        let storePath = StationPairingStore.defaultDirectory()
        let pairings: StationPairingStore
        do {
            pairings = try StationPairingStore.openOrCreate(
                directory: storePath, sealer: SystemdCredsSealer(), random: SystemRandom())
        } catch let error as StationDaemonError {
            throw error
        } catch {
            throw StationDaemonError(.stateFailed, "cannot open the station's pairings in \(storePath): \(error)")
        }
        let notifier = ServiceNotifier()
        let manager = try Manager(
            config: config, pairings: pairings, client: BlueZClient(connection: connection), loop: loop, seed: seed,
            journal: journal, notifier: notifier)
        let service = try StationBusService(
            connection: connection, status: manager.status,
            pause: { [unowned manager] duration throws(StationDaemonError) in try manager.pauseAutoLock(for: duration) },
            resume: { [unowned manager] in manager.resumeAutoLock() },
            calibrate: { [unowned manager] duration, completion in
                manager.calibrate(for: duration) { result in
                    completion(result.map { $0.connection ?? $0.advertisement ?? 0 })
                }
            },
            pairing: manager.pairingCalls)
        manager.onStatusChange = { status in
            do throws(StationDaemonError) {
                try service.update(status)
            } catch {
                journal.log("cannot publish the station's state on the bus: \(error.detail)", priority: .warning)
            }
        }
        service.requestName { result in
            if case .failure(let error) = result {
                journal.log("\(error.detail); pivlink status will not see this station", priority: .warning)
            }
        }
        connection.onDisconnect = { [unowned loop] in
            journal.log("lost the system bus; stopping", priority: .error)
            loop.exit(1)
        }
        do {
            try loop.onTerminationSignal { [unowned loop, unowned manager] signal in
                journal.log("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping")
                notifier.stopping()
                manager.stop()
                loop.exit(0)
            }
        } catch {
            throw StationDaemonError(.eventLoopFailed, error.detail)
        }
        try manager.start()
        notifier.ready(status: manager.lookingStatus)
        do {
            return try withExtendedLifetime((connection, manager, service)) { () throws(EventLoopError) in try loop.run() }
        } catch {
            throw StationDaemonError(.eventLoopFailed, error.detail)
        }
    }
}
