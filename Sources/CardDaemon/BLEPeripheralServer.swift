import BlueZ
import CardCrypto
import Crypto
import DBus
import EventLoop
import Link
import Pairing

#if canImport(Glibc)
import Glibc
#endif

/// Serves a `CardSession` to one station at a time over Bluetooth LE: the pivlink GATT application and an
/// advertisement registered with bluetoothd, link fragments in through the request characteristic, fragments
/// out as notifications of the response characteristic, and the link protocol's state machine between them.
///
/// - **MTU.** The first write of a station gives its ATT MTU (`mtu` option of WriteValue) and
///   binds the link: every notification carries one fragment of at most min(MTU − 3, 510) bytes, within what
///   BlueZ sends unchanged. The MTU stays fixed while the station is bound.
/// - **510, not 512.** bluetoothd 5.66 (Debian 12) counts a write's 2-byte handle in its length check and
///   silently drops a Write Command of more than 510 bytes (fixed in 5.69), so the info characteristic
///   publishes 510 as the largest fragment, and the station's writes stay within it too.
/// - **Writes come as WriteValue, never through AcquireWrite.** bluetoothd 5.66 keeps one acquired write socket
///   per characteristic and puts every device's Write Commands into it, without the device: a second station's
///   handshake would land in the served station's channel and end it. WriteValue names the device of each write,
///   so another device's writes are refused before they reach the link. Notifications leave as
///   PropertiesChanged(Value), or as datagrams when the response characteristic offers AcquireNotify
///   (`offersAcquiredSockets`) and BlueZ takes it; either way to every subscriber, and only the served station
///   holds the keys to read them.
/// - **One station.** The first device that writes is served until it goes. A write from another device gets
///   `org.bluez.Error.NotPermitted` "busy: another station is connected" — which that device sees only for a
///   Write Request on a characteristic without `write-without-response`: BlueZ acknowledges every write to a
///   `write-without-response` characteristic itself and drops the answer. It is never fed to the link.
/// - **The card works off the loop.** Requests are answered on the card's own thread (`CardWorker`), so that the
///   loop keeps sending keepalives while a slow operation (RSA-4096 generation) runs; the card hears of a
///   station's leaving once the operation is done.
/// - **Disconnects.** The device's `Connected` turning false, StopNotify, a hang-up on an acquired socket or
///   bluetoothd leaving the bus end the link and the card session (PIN and management key state dropped).
/// - **bluetoothd restarts.** BlueZ's bus name is watched; when it comes back, the application and
///   advertisement are registered again. Failed registrations are retried with backoff.
///
/// Like the loop, it is used from the loop's thread only.
public final class BLEPeripheralServer {
    public struct Configuration: Sendable {
        /// The adapter to serve on: `hci0`.
        public var adapter: String
        /// What the info characteristic publishes; its limits bind the link.
        public var info: LinkInfo
        /// The largest fragment bluetoothd 5.66 carries in a Write Command (see above).
        public static let largestFragmentBlueZ566Writes = 510
        public var link: LinkPeripheralStateMachine.Configuration
        /// Offer AcquireNotify. Off (the default), notifications leave as PropertiesChanged: with real bluetoothd
        /// 5.66 the acquired socket of a connection that ended can hang up after the station's next connection
        /// began, which ended that connection too (seen in the VM tier after pairing). (Writes always come as
        /// WriteValue: see above.)
        public var offersAcquiredSockets: Bool

        public init(
            adapter: String = "hci0", info: LinkInfo = LinkInfo(maximumFragment: largestFragmentBlueZ566Writes),
            link: LinkPeripheralStateMachine.Configuration = LinkPeripheralStateMachine.Configuration(),
            offersAcquiredSockets: Bool = false
        ) {
            self.adapter = adapter
            self.info = info
            self.link = link
            self.offersAcquiredSockets = offersAcquiredSockets
        }
    }

    /// The station being served.
    private struct Central {
        let device: DBusObjectPath
        let mtu: Int
        var watch: DBusRegistration?
        /// The paired station its secure channel authenticated; nil before the handshake and while pairing.
        var stationKey: [UInt8]?
        /// Its UNPAIR is being answered: its removal must not drop it before the answer is out.
        var isUnpairing = false
    }

    public let configuration: Configuration
    private let client: BlueZClient
    private let adapter: BlueZAdapter
    private let loop: EventLoop
    private let card: any CardSession
    /// Answers link requests off the loop; while it is busy, the card is its own (see `CardWorker`).
    private let worker: CardWorker
    /// The station left while the worker had the card: the card hears it when the worker is done.
    private var disconnectWhenIdle = false
    private let journal: Journal
    private let onRegistered: () -> Void
    /// The card's identity and paired stations, as stored.
    public let stations: CardStations
    /// The pairing window and ceremony.
    public let pairing: CardPairingSession
    /// Runs after every change of `busStatus`.
    public var onStatusChange: () -> Void = {}

    private var application: GattApplication?
    private var advertiser: CardAdvertiser?
    private var ownerWatch: DBusRegistration?
    private var isBlueZPresent = false
    /// Counts registration attempts and bluetoothd instances, so that a late reply to an old attempt is dropped.
    private var generation = 0
    /// True while the application and advertisement are registered with the current bluetoothd.
    public private(set) var isRegistered = false
    private var reportedRegistrationFailure = false
    private var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))
    private var random = SystemRandomNumberGenerator()
    private var retryTimer: TimerSource?
    private var linkTimer: TimerSource?
    /// Drops a refused station's device a moment after its refusal (`refusalGrace`).
    private var refusalTimer: TimerSource?
    private var refusedDevice: DBusObjectPath?
    /// How long a refused station's device stays connected after the clear ERROR went out: the notification
    /// travels over D-Bus, and a disconnect at once could overtake it, leaving the station without the reason.
    static let refusalGrace = Duration.seconds(1)
    private var cardTimer: TimerSource?
    private var isStopping = false

    private var machine: LinkPeripheralStateMachine
    private var central: Central?
    /// Devices refused while `central` is served, each logged once.
    private var refusedDevices: Set<DBusObjectPath> = []
    private var notifySocket: BlueZDatagramSocket?

    /// The device of the station being served, if any.
    public var servedDevice: DBusObjectPath? { central?.device }

    /// What `org.pivlink.Card1` shows now.
    public var busStatus: CardBusStatus {
        var status = CardBusStatus(fingerprint: stations.identity.fingerprint, records: stations.records)
        status.pairing = pairing.status
        status.station = central?.stationKey.flatMap(stations.record(forKey:))?.fingerprint.description ?? ""
        return status
    }

    /// - Parameters:
    ///   - credentialVersion: the credential's current version, for GET_CREDENTIAL_VERSION.
    ///   - journal: registration and stations, a station's link up and down with their MESSAGE_IDs (never
    ///     fragments or APDUs).
    ///   - stations: the card's identity and pairings; every connection's handshake checks the station against
    ///     them as they are at its connect.
    ///   - pairing: the pairing window; a connection made while it accepts pairing may carry the ceremony.
    ///   - onRegistered: runs after each successful registration (the first one is the daemon's READY).
    public init(
        configuration: Configuration, client: BlueZClient, loop: EventLoop, card: any CardSession,
        credentialVersion: @escaping () -> UInt64, stations: CardStations, pairing: CardPairingSession,
        journal: Journal, onRegistered: @escaping () -> Void = {}
    ) throws(CardDaemonError) {
        self.configuration = configuration
        self.client = client
        do {
            adapter = try BlueZAdapter(client: client, name: configuration.adapter)
        } catch {
            throw CardDaemonError(.bluetoothFailed, error.detail)
        }
        self.loop = loop
        self.card = card
        worker = try CardWorker(adapter: LinkCardAdapter(card: card, credentialVersion: credentialVersion), loop: loop)
        self.journal = journal
        self.onRegistered = onRegistered
        self.stations = stations
        self.pairing = pairing
        machine = LinkPeripheralStateMachine(info: configuration.info, configuration: configuration.link)
    }

    private func log(_ message: String) {
        journal.log(message)
    }

    /// Exports the application and advertisement, watches bluetoothd and registers with it (now, or when it
    /// appears).
    public func start() throws(CardDaemonError) {
        precondition(application == nil, "BLEPeripheralServer.start() called twice")
        do {
            retryTimer = try loop.makeTimer { [unowned self] in register() }
            linkTimer = try loop.makeTimer { [unowned self] in perform(machine.handleTimer(now: now())) }
            refusalTimer = try loop.makeTimer { [unowned self] in
                guard let device = refusedDevice else { return }
                refusedDevice = nil
                // A device that connected again meanwhile is a new attempt, judged on its own.
                guard central?.device != device else { return }
                try? BlueZDevice(client: client, path: device).disconnect { _ in }
            }
            cardTimer = try loop.makeTimer { [unowned self] in
                // While the worker has the card, its completion re-arms this timer.
                guard !worker.isBusy else { return }
                card.tick(now: loop.now())
                armCardTimer()
            }
        } catch {
            throw CardDaemonError(.eventLoopFailed, "cannot create a timer: \(error.detail)")
        }
        advertiser = try CardAdvertiser(
            connection: client.connection, adapter: adapter, loop: loop, journal: journal,
            serviceData: { [unowned self] turn in
                CardAdvertisement.serviceData(
                    turn: turn, slot: AdvertisingSlot(unixTime: Int64(time(nil))),
                    identity: stations.identity.keyPair, stations: stations.records,
                    pairingOpen: pairing.acceptsPairing)
            })
        stations.observe { [unowned self] change in stationsChanged(change) }
        pairing.onChange = { [unowned self] in
            advertiser?.refresh()
            onStatusChange()
        }
        pairing.onCeremonyEnded = { [unowned self] in lose(because: "the pairing ceremony ended") }
        do {
            application = try GattApplication(
                connection: client.connection, path: CardGATTApplication.path,
                services: CardGATTApplication.services(handlers(), offeringAcquiredSockets: configuration.offersAcquiredSockets))
            ownerWatch = try client.watchOwner { [unowned self] change in ownerChanged(change) }
            try client.currentOwner { [unowned self] result in
                switch result {
                case .success(let owner?) where !isBlueZPresent && !isStopping:
                    isBlueZPresent = true
                    log("bluetoothd is \(owner); registering on \(configuration.adapter)")
                    register()
                case .success:
                    if !isBlueZPresent {
                        log("waiting for bluetoothd (\(client.serviceName) is not on the bus)")
                    }
                case .failure(let error):
                    log("cannot ask for bluetoothd: \(error.detail); waiting for it to appear")
                }
            }
        } catch {
            throw CardDaemonError(.bluetoothFailed, "cannot serve the card over Bluetooth: \(error.detail)")
        }
    }

    /// Ends the station's session, unregisters the advertisement and application (waiting up to
    /// `unregisterTimeout` for bluetoothd) and unexports them; then runs `done`. For SIGTERM.
    public func stop(unregisterTimeout: Duration = .seconds(2), then done: @escaping () -> Void) {
        guard !isStopping else { return }
        isStopping = true
        lose(because: "the card is stopping")
        retryTimer?.cancel()
        generation += 1
        var finished = false
        let finish: () -> Void = { [unowned self] in
            guard !finished else { return }
            finished = true
            retryTimer = nil
            linkTimer = nil
            cardTimer = nil
            ownerWatch?.cancel()
            application?.remove()
            done()
        }
        guard isRegistered, isBlueZPresent else {
            advertiser?.stop {}
            finish()
            return
        }
        isRegistered = false
        var outstanding = 2
        let replied: (Result<Void, BlueZError>) -> Void = { _ in
            outstanding -= 1
            if outstanding == 0 {
                finish()
            }
        }
        advertiser?.stop { replied(.success(())) }
        do {
            try adapter.unregisterApplication(CardGATTApplication.path, reply: replied)
            retryTimer = try loop.makeTimer { finish() }
            try retryTimer?.arm(after: unregisterTimeout)
        } catch {
            finish()
        }
    }

    /// Serves `card` on the system bus's bluetoothd until SIGTERM or SIGINT, then unregisters and returns exit
    /// code 0: what `pivlink-card serve --ble` runs. The card's identity and pairings come from `store`, and
    /// `org.pivlink.Card1` is served under `org.pivlink.Card`. Tells systemd READY=1 after the bus name and the
    /// first registration and STOPPING=1 on the signal. Losing the bus connection ends it with exit code 1.
    public static func run(
        configuration: Configuration, card: any CardSession, credentialVersion: @escaping () -> UInt64,
        store: CredentialStateStore, journal: Journal
    ) throws(CardDaemonError) -> Int32 {
        let loop: EventLoop
        do {
            loop = try EventLoop()
        } catch {
            throw CardDaemonError(.eventLoopFailed, error.detail)
        }
        let connection: DBusConnection
        do {
            connection = try DBusConnection(.system, loop: loop)
        } catch {
            throw CardDaemonError(.bluetoothFailed, "cannot connect to the system bus: \(error.message)")
        }
        let stations: CardStations
        do {
            stations = try CardStations(store: store, random: SystemRandom())
        } catch let error as CardDaemonError {
            throw error
        } catch {
            throw CardDaemonError(.unreadableState, "cannot read the card's pairings: \(error)")
        }
        journal.log("card key \(stations.identity.fingerprint); \(stations.records.count) station(s) paired")
        let pairing = try CardPairingSession(loop: loop, stations: stations, random: SystemRandom(), journal: journal)
        let notifier = ServiceNotifier()
        var isReady = false
        var ownsName = false
        var isRegistered = false
        let readyIfDone: () -> Void = {
            let status = "serving the card over Bluetooth LE on \(configuration.adapter)"
            guard ownsName, isRegistered else { return }
            if isReady {
                notifier.status(status)
            } else {
                isReady = true
                notifier.ready(status: status)
            }
        }
        let server = try BLEPeripheralServer(
            configuration: configuration, client: BlueZClient(connection: connection), loop: loop, card: card,
            credentialVersion: credentialVersion, stations: stations, pairing: pairing, journal: journal,
            onRegistered: {
                isRegistered = true
                readyIfDone()
            })
        let bus = try CardBusService(
            connection: connection, status: server.busStatus, handlers: server.busHandlers())
        server.onStatusChange = { [unowned server, unowned bus] in
            do throws(CardDaemonError) {
                try bus.update(server.busStatus)
            } catch {
                journal.log(error.detail, priority: .warning)
            }
        }
        connection.onDisconnect = { [unowned loop] in
            journal.log("lost the system bus; stopping", priority: .error)
            loop.exit(1)
        }
        do {
            try loop.onTerminationSignal { [unowned loop, unowned server] signal in
                journal.log("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping")
                notifier.stopping()
                server.stop { loop.exit(0) }
            }
        } catch {
            throw CardDaemonError(.eventLoopFailed, error.detail)
        }
        bus.requestName { [unowned loop] result in
            switch result {
            case .success:
                ownsName = true
                readyIfDone()
            case .failure(let error):
                journal.log(error.detail, priority: .error)
                loop.exit(1)
            }
        }
        try server.start()
        do {
            return try withExtendedLifetime((connection, server, bus)) { () throws(EventLoopError) in try loop.run() }
        } catch {
            throw CardDaemonError(.eventLoopFailed, error.detail)
        }
    }

    /// What `org.pivlink.Card1`'s methods do on this server: the pairing window, and unpairing (a connected
    /// station whose pairing goes is disconnected at once).
    public func busHandlers() -> CardBusService.Handlers {
        CardBusService.Handlers(
            startPairing: { [unowned self] duration, name throws(CardDaemonError) in
                try pairing.start(for: duration, name: name)
            },
            confirmPairing: { [unowned self] code throws(CardDaemonError) in try pairing.confirm(code: code) },
            rejectPairing: { [unowned self] () throws(CardDaemonError) in try pairing.reject() },
            cancelPairing: { [unowned self] () throws(CardDaemonError) in try pairing.cancel() },
            unpair: { [unowned self] fingerprint throws(CardDaemonError) in
                let record = try stations.remove(fingerprint: fingerprint)
                log("station \(record.fingerprint) (\(record.name)) unpaired on the card")
            })
    }

    // MARK: registration

    private func ownerChanged(_ change: DBusNameOwnerChange) {
        guard !isStopping else { return }
        if change.oldOwner != nil {
            isBlueZPresent = false
            isRegistered = false
            generation += 1
            retryTimer?.cancel()
            lose(because: "bluetoothd left the bus")
            advertiser?.bluezLeft()
            if let notifySocket {
                notifySocket.close()
                self.notifySocket = nil
                try? responseCharacteristic?.setNotifyAcquired(false)
            }
            log("bluetoothd left the bus: the application and advertisement are gone")
        }
        if let owner = change.newOwner {
            isBlueZPresent = true
            backoff.reset()
            log("bluetoothd is \(owner); registering on \(configuration.adapter)")
            register()
        }
    }

    /// RegisterApplication (AlreadyExists counts as done), then the advertisement's turns (`CardAdvertiser`).
    private func register() {
        guard isBlueZPresent, !isStopping else { return }
        generation += 1
        let attempt = generation
        isRegistered = false
        do {
            try adapter.registerApplication(CardGATTApplication.path) { [unowned self] result in
                guard attempt == generation else { return }
                if let error = result.failure, error.code != .alreadyExists {
                    retry("registering the GATT application failed: \(error)")
                    return
                }
                isRegistered = true
                backoff.reset()
                reportedRegistrationFailure = false
                log("registered the pivlink GATT application on \(configuration.adapter)")
                advertiser?.bluezAppeared()
                onRegistered()
            }
        } catch {
            fail("cannot call bluetoothd: \(error.detail)")
        }
    }

    private func retry(_ reason: String) {
        let delay = backoff.nextDelay(using: &random)
        if !reportedRegistrationFailure {
            reportedRegistrationFailure = true
            log("\(reason); retrying with backoff up to \(backoff.maximum)")
        }
        do {
            try retryTimer?.arm(after: delay)
        } catch {
            fail(error.detail)
        }
    }

    // MARK: the station

    private func handlers() -> CardGATTApplication.Handlers {
        CardGATTApplication.Handlers(
            write: { [unowned self] value, options in
                admit(options).map { receive(value) }
            },
            acquireNotify: { [unowned self] options in acquireNotify(mtu: options.mtu) },
            stopNotify: { [unowned self] in lose(because: "unsubscribed") },
            readInfo: { [info = configuration.info] _ in .success(info.bytes) })
    }

    /// Lets a write from `options.device` through, binding the link to it if none is bound.
    private func admit(_ options: GattRequestOptions) -> Result<Void, BlueZError> {
        guard !isStopping else {
            return .failure(BlueZError(.failed, "the card is stopping"))
        }
        guard let device = options.device else {
            return .failure(BlueZError(.invalidArguments, "bluetoothd named no device for the write"))
        }
        if let central {
            guard central.device != device else { return .success(()) }
            if refusedDevices.insert(device).inserted {
                log("refused station \(device): busy serving \(central.device)")
            }
            return .failure(BlueZError(.notPermitted, "busy: another station is connected"))
        }
        let mtu = options.mtu ?? LinkFragment.minimumMTU
        let actions: [LinkPeripheralAction]
        do {
            actions = try machine.connect(
                mtu: mtu,
                security: .card(
                    staticKey: stations.linkStaticKey, pairedStations: stations.pairedKeys,
                    acceptsPairing: pairing.acceptsPairing, ephemeralKey: Curve25519.KeyAgreement.PrivateKey()),
                now: now())
        } catch {
            return .failure(BlueZError(.invalidArguments, error.detail))
        }
        var bound = Central(device: device, mtu: mtu, watch: nil, stationKey: nil)
        do {
            bound.watch = try client.watchProperties(at: device, interface: BlueZNames.device) { [unowned self] change in
                if change.changed["Connected"]?.boolean == false, central?.device == device {
                    lose(because: "disconnected")
                }
            }
        } catch {
            perform(machine.connectionLost(now: now()))
            return .failure(BlueZError(.failed, "cannot watch \(device): \(error.detail)"))
        }
        central = bound
        journal.log(
            "station \(device) connected (ATT MTU \(mtu))", id: .linkUp,
            fields: ["PIVLINK_STATION": device.description, "PIVLINK_ATT_MTU": String(mtu)])
        perform(actions)
        return .success(())
    }

    private func receive(_ fragment: [UInt8]) {
        guard central != nil else { return }
        perform(machine.receive(fragment: fragment, now: now()))
    }

    /// A socket for notifications, shared by every subscriber as BlueZ does; its hang-up is the station's
    /// unsubscribing or disconnecting.
    private func acquireNotify(mtu: Int?) -> Result<BlueZAcquiredSocket, BlueZError> {
        makeSocket(
            onDatagram: { _ in },
            onClose: { [unowned self] in
                notifySocket = nil
                try? responseCharacteristic?.setNotifyAcquired(false)
                lose(because: "released its notification socket")
            }
        ).map { mine, theirs in
            notifySocket?.close()
            notifySocket = mine
            return BlueZAcquiredSocket(fileDescriptor: theirs, mtu: mtu ?? LinkFragment.minimumMTU)
        }
    }

    private func makeSocket(
        onDatagram: @escaping ([UInt8]) -> Void, onClose: @escaping () -> Void
    ) -> Result<(BlueZDatagramSocket, DBusFileDescriptor), BlueZError> {
        var ends: [Int32] = [0, 0]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else {
            return .failure(BlueZError(.failed, "socketpair: \(String(cString: strerror(errno)))"))
        }
        let theirs = DBusFileDescriptor(taking: ends[1])
        do {
            let mine = try BlueZDatagramSocket(
                DBusFileDescriptor(taking: ends[0]), loop: loop, onDatagram: onDatagram, onClose: onClose)
            return .success((mine, theirs))
        } catch {
            return .failure(error)
        }
    }

    /// Ends the link with the bound station, if any: its partial messages and pending answer are dropped and
    /// the card's session ends, as when a card leaves the reader.
    private func lose(because reason: String) {
        guard let central else { return }
        self.central = nil
        central.watch?.cancel()
        refusedDevices = []
        pairing.connectionLost()
        if central.stationKey != nil {
            onStatusChange()
        }
        perform(machine.connectionLost(now: now()))
        if worker.isBusy {
            disconnectWhenIdle = true
        } else {
            card.disconnected(now: loop.now())
            armCardTimer()
        }
        journal.log(
            "station \(central.device) \(reason): card session ended", id: .linkDown,
            fields: ["PIVLINK_STATION": central.device.description, "PIVLINK_REASON": reason])
    }

    private func perform(_ actions: [LinkPeripheralAction]) {
        for action in actions {
            switch action {
            case .send(let fragments):
                send(fragments)
            case .process(.unpair):
                unpairServedStation()
            case .process(let request):
                worker.answer(request, now: loop.now()) { [unowned self] answer in
                    if disconnectWhenIdle {
                        disconnectWhenIdle = false
                        card.disconnected(now: loop.now())
                    }
                    // The machine drops the answer if the station cancelled it or left in the meantime.
                    perform(machine.finish(answer, now: now()))
                }
            case .cancelProcessing:
                // A card operation cannot be interrupted; the machine drops its answer when it comes.
                break
            case .pairingMessage(let message):
                let accepted = pairing.receive(message) { [unowned self] answer in
                    perform(machine.sendPairing(answer, now: now()))
                }
                if !accepted {
                    disconnect(because: "sent a pairing message while no pairing window is open")
                }
            case .channelOpen(let stationKey):
                channelOpened(stationKey)
            case .channelFailed(let error):
                // The machine answers nothing more on this connection: free the card for another station now, and
                // drop the device once the clear ERROR has had time to reach it.
                guard let central else { break }
                lose(because: "refused: \(error.detail)")
                refusedDevice = central.device
                do {
                    try refusalTimer?.arm(after: Self.refusalGrace)
                } catch {
                    fail(error.detail)
                }
            case .armTimer(let deadline):
                do {
                    try linkTimer?.arm(at: MonotonicInstant(microseconds: 0).advanced(by: deadline))
                } catch {
                    fail(error.detail)
                }
            case .disarmTimer:
                linkTimer?.cancel()
            }
        }
        armCardTimer()
    }

    private func channelOpened(_ stationKey: [UInt8]) {
        guard var central else { return }
        // The keys the handshake accepted were the pairings when the station connected; one removed since then
        // (`pivlink-card unpair` during the handshake) must not be served.
        guard let record = stations.record(forKey: stationKey) else {
            disconnect(because: "its pairing was removed during its handshake")
            return
        }
        central.stationKey = stationKey
        self.central = central
        journal.log(
            "secure channel open with station \(record.fingerprint) (\(record.name)) on \(central.device)",
            fields: ["PIVLINK_STATION": central.device.description, "PIVLINK_STATION_KEY": record.fingerprint.description])
        onStatusChange()
    }

    /// UNPAIR over the channel: the station's pairing is removed (on disk first), UNPAIRED answers it, and its
    /// connection is dropped. The card application never sees it.
    private func unpairServedStation() {
        guard var central, let key = central.stationKey, let record = stations.record(forKey: key) else {
            perform(machine.finish(.error(.notPaired), now: now()))
            return
        }
        central.isUnpairing = true
        self.central = central
        do {
            try stations.remove(fingerprint: record.fingerprint)
        } catch {
            log("cannot unpair station \(record.fingerprint) as it asked: \(error.detail)")
            self.central?.isUnpairing = false
            perform(machine.finish(.error(.other), now: now()))
            return
        }
        log("station \(record.fingerprint) (\(record.name)) unpaired itself")
        perform(machine.finish(.unpaired, now: now()))
        lose(because: "unpaired")
    }

    private func stationsChanged(_ change: CardStations.Change) {
        advertiser?.refresh()
        if case .removed(let record) = change, let central, central.stationKey == record.publicKey.bytes,
            !central.isUnpairing
        {
            disconnect(because: "was unpaired")
        }
        onStatusChange()
    }

    /// Ends the link with the bound station and asks bluetoothd to disconnect it, so that it cannot keep the card.
    private func disconnect(because reason: String) {
        guard let central else { return }
        lose(because: reason)
        try? BlueZDevice(client: client, path: central.device).disconnect { _ in }
    }

    private func send(_ fragments: [[UInt8]]) {
        do throws(BlueZError) {
            for fragment in fragments {
                if let notifySocket {
                    try notifySocket.send(fragment)
                } else {
                    try responseCharacteristic?.notify(fragment)
                }
            }
        } catch {
            lose(because: "could not be notified (\(error.detail))")
        }
    }

    private var responseCharacteristic: GattExportedCharacteristic? {
        application?.characteristic(CardGATTApplication.response)
    }

    // MARK: time

    /// The link state machine counts time as a duration since an arbitrary origin; the loop's origin is boot.
    private func now() -> Duration {
        MonotonicInstant(microseconds: 0).duration(to: loop.now())
    }

    private func armCardTimer() {
        guard let cardTimer, !worker.isBusy else { return }
        guard let deadline = card.nextDeadline else {
            cardTimer.cancel()
            return
        }
        guard cardTimer.deadline != deadline else { return }
        do {
            try cardTimer.arm(at: deadline)
        } catch {
            fail(error.detail)
        }
    }

    /// The loop or bus refused something the server cannot work without: stop and end the loop with exit code 1,
    /// so the service manager restarts the daemon.
    private func fail(_ detail: String) {
        log("cannot go on serving over Bluetooth (\(detail)); stopping")
        stop { [loop] in loop.exit(1) }
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
