import BlueZ
import CardDaemon
import DBus
import EventLoop
import Link
import Proximity
import StationCore

/// pivlink-station's shell: BlueZ central → link (`LinkCentralStateMachine`) → `CardRelay` (with the response
/// cache) → vpcd (`VPCDServer`), and the walk-away lock (`StationPresence`). The cores decide; this class only does
/// what their actions say, on one event loop. The card is in pcscd (vpcd connected) exactly while the link is up,
/// the card answered power-on and its credential version, and presence wants it (the phone is near, or no RSSI
/// comes and the card follows the link alone); when the link drops or the phone leaves, the vpcd connection is
/// closed (card removed: the card ends its session, so a verified PIN is forgotten) and whatever was in flight is
/// never sent again. Link up/down (here) and card inserted/removed (its `VPCDServer`) go to the journal with their
/// MESSAGE_IDs, and to systemd as the service's STATUS; `status` is what org.pivlink.Station1 publishes.
public final class Manager {
    enum ReaderEvent {
        case powerOn, powerOff, reset, disconnected
    }

    static let service: BluetoothUUID = "898a0001-6249-4f6c-b878-318bb3580b9c"
    static let request: BluetoothUUID = "898a0002-6249-4f6c-b878-318bb3580b9c"
    static let response: BluetoothUUID = "898a0003-6249-4f6c-b878-318bb3580b9c"
    static let info: BluetoothUUID = "898a0004-6249-4f6c-b878-318bb3580b9c"

    private let config: Config
    private let loop: EventLoop
    private let client: BlueZClient
    private let adapter: BlueZAdapter
    private let journal: Journal
    private let notifier: ServiceNotifier
    private var mirror: BlueZObjectMirror?
    private let presence: StationPresence
    /// Called on the loop whenever `status` changed.
    public var onStatusChange: (StationStatus) -> Void = { _ in }
    private var publishedStatus: StationStatus?

    private var session: StationLinkSession
    private var link: LinkCentralStateMachine
    private var relay: CardRelay
    private var vpcd: VPCDServer?
    private var pendingReply: (([UInt8]) -> Void)?

    private var sessionTimer: TimerSource?
    private var linkTimer: TimerSource?
    private var devicePath: DBusObjectPath?
    private var writeSocket: BlueZDatagramSocket?
    private var notifySocket: BlueZDatagramSocket?
    /// Bumped whenever an attempt is abandoned, so that late BlueZ replies of an old attempt are dropped.
    private var attempt = 0
    /// Set while `.locateDevice` waits for the first snapshot of BlueZ's objects.
    private var locatePending = false

    public init(
        config: Config, client: BlueZClient, loop: EventLoop, seed: UInt64, journal: Journal,
        notifier: ServiceNotifier = ServiceNotifier()
    ) throws(StationDaemonError) {
        self.config = config
        self.loop = loop
        self.client = client
        self.journal = journal
        self.notifier = notifier
        do {
            adapter = try BlueZAdapter(client: client, name: config.adapter)
        } catch {
            throw StationDaemonError(.invalidConfig, "adapter '\(config.adapter)': \(error.detail)")
        }
        session = StationLinkSession(
            configuration: .init(connectTimeout: config.connectTimeout, setupTimeout: config.setupTimeout), seed: seed)
        link = LinkCentralStateMachine(
            configuration: .init(responseTimeout: config.responseTimeout, transactionTimeout: config.transactionTimeout))
        relay = CardRelay(cache: ResponseCache(isEnabled: config.responseCache))
        let device: DBusObjectPath
        do {
            device = try adapter.path.appending("dev_" + config.deviceAddress.replacingOccurrences(of: ":", with: "_"))
        } catch {
            throw StationDaemonError(.invalidConfig, "adapter '\(config.adapter)': \(error.message)")
        }
        presence = StationPresence(
            settings: config.proximity,
            sources: Self.signalSources(config.proximitySignal, client: client, device: device, loop: loop, journal: journal),
            hasRSSISource: config.proximitySignal != .none,
            locker: SessionLocker(connection: client.connection, loop: loop, settings: config.lock) { journal.log($0) },
            baselineFile: BaselineFile(), device: config.deviceAddress, loop: loop, journal: journal)
    }

    /// The feeds of RSSI for `signal`: always the card's advertisements (heard while the station looks for it), and
    /// the connected link's where there is a source for it.
    private static func signalSources(
        _ signal: ConnectionSignal, client: BlueZClient, device: DBusObjectPath, loop: EventLoop, journal: Journal
    ) -> [any PresenceSignalSource] {
        let advertisements = AdvertisementRSSISource(client: client, device: device, loop: loop)
        switch signal {
        case .none: return [advertisements]
        case .emulator: return [advertisements, EmulatedLinkRSSISource(client: client, device: device, loop: loop)]
        case .kernel:
            return [advertisements, KernelLinkRSSISource(client: client, device: device, loop: loop) { journal.log($0, priority: .warning) }]
        }
    }

    /// What the station knows at a glance (org.pivlink.Station1's properties).
    public var status: StationStatus {
        var status = StationStatus(device: config.deviceAddress)
        status.state = presence.state
        status.rssi = presence.rssi
        status.isLinkUp = relay.isServing
        status.isCardPresent = vpcd != nil
        status.lastLockReason = presence.lastLock?.reason
        status.lastLockTime = presence.lastLock?.wallClock
        status.pausedUntil = presence.pausedUntil
        return status
    }

    /// Pauses auto-lock (not the card's following presence) for `duration`, 1 s to 8 h.
    public func pauseAutoLock(for duration: Duration) throws(StationDaemonError) {
        try presence.pauseAutoLock(for: duration)
    }

    public func resumeAutoLock() {
        presence.resumeAutoLock()
    }

    /// Measures the seated baseline for `duration` (5 s to 300 s) while the link is up; the result is kept in
    /// the station's state and used at once.
    public func calibrate(for duration: Duration, completion: @escaping (Result<ProximityBaseline, StationDaemonError>) -> Void) {
        presence.calibrate(for: duration, completion: completion)
    }

    /// Watches BlueZ and starts looking for the card.
    public func start() throws(StationDaemonError) {
        do {
            sessionTimer = try loop.makeTimer { [unowned self] in perform(session.handleTimer(now: now())) }
            linkTimer = try loop.makeTimer { [unowned self] in perform(link.handleTimer(now: now())) }
        } catch {
            throw StationDaemonError(.eventLoopFailed, "cannot create a timer: \(error.detail)")
        }
        if config.lock.user == nil {
            journal.log(
                "the walk-away lock cannot lock: set lock.user in the station's config to the account whose session it locks (the card still follows the phone)",
                priority: .warning)
        }
        presence.onChange = { [unowned self] in presenceChanged() }
        try presence.start()
        let mirror = BlueZObjectMirror(client: client) { [unowned self] event in mirrorChanged(event) }
        self.mirror = mirror
        do {
            try mirror.start()
        } catch {
            throw StationDaemonError(.busFailed, "cannot watch bluetoothd: \(error.detail)")
        }
        log("looking for the card \(config.deviceAddress) on \(config.adapter)\(config.responseCache ? "" : "; response cache off")")
        perform(session.start(now: now()))
    }

    /// Removes the card from pcscd, stops discovery and disconnects.
    public func stop() {
        perform(session.stop())
        mirror?.stop()
        presence.stop()
    }

    // MARK: vpcd side

    func readerAPDU(_ command: [UInt8], reply: @escaping ([UInt8]) -> Void) {
        pendingReply = reply
        perform(relay.receiveAPDU(command))
    }

    func readerEvent(_ event: ReaderEvent) {
        switch event {
        case .powerOn: perform(relay.receivePowerOn())
        case .powerOff: perform(relay.receivePowerOff())
        case .reset: perform(relay.receiveReset())
        case .disconnected:
            pendingReply = nil
            perform(relay.readerDisconnected())
        }
    }

    // MARK: performing the cores' actions

    private func log(_ message: String) {
        journal.log(message)
    }

    /// The one-line STATUS while the station looks for the card (also its READY status).
    var lookingStatus: String {
        "looking for the card \(config.deviceAddress) on \(config.adapter)"
    }

    private func now() -> Duration {
        MonotonicInstant(microseconds: 0).duration(to: loop.now())
    }

    private func perform(_ actions: [CardRelayAction]) {
        for action in actions {
            switch action {
            case .send(let request):
                perform(link.send(request, now: now()))
            case .reply(let response):
                let reply = pendingReply
                pendingReply = nil
                reply?(response)
            case .insertCard:
                let cached = relay.cache.count
                log("the card is up (credential version \(relay.cache.credentialVersion.map(String.init) ?? "?"), \(cached) cached answers)")
                presenceChanged()
            case .dropLink(let reason):
                perform(session.handle(.failed(reason), now: now()))
            }
        }
    }

    private func perform(_ actions: [LinkCentralAction]) {
        for action in actions {
            switch action {
            case .send(let fragments):
                for fragment in fragments {
                    do {
                        try writeSocket?.send(fragment)
                    } catch {
                        perform(session.handle(.disconnected("writing to the card failed: \(error.detail)"), now: now()))
                        return
                    }
                }
            case .deliver(let message):
                perform(relay.delivered(message))
            case .progress:
                break
            case .fail(let error):
                perform(relay.failed(error))
            case .armTimer(let deadline):
                arm(linkTimer, at: deadline)
            case .disarmTimer:
                linkTimer?.cancel()
            }
        }
    }

    private func perform(_ actions: [StationLinkAction]) {
        for action in actions {
            switch action {
            case .locateDevice:
                locatePending = true
                locateDevice()
            case .startDiscovery:
                startDiscovery()
            case .stopDiscovery:
                try? adapter.stopDiscovery { _ in }
            case .connect:
                connect()
            case .resolveServices:
                checkServices()
            case .readInfo:
                readInfo()
            case .subscribe:
                subscribe()
            case .linkUp(let info, let mtu):
                linkUp(info: info, mtu: mtu)
            case .linkDown(let reason):
                linkDown(reason)
            case .disconnect:
                disconnect()
            case .armTimer(let deadline):
                arm(sessionTimer, at: deadline)
            case .disarmTimer:
                sessionTimer?.cancel()
            case .retrying(let delay, let reason):
                log("\(reason); retrying in \(Self.seconds(delay))")
            }
        }
    }

    // MARK: BlueZ steps

    private func mirrorChanged(_ event: BlueZObjectMirror.Event) {
        switch event {
        case .loaded:
            if locatePending { locateDevice() }
        case .interfacesAdded:
            if session.phase == .discovering, findDevice() != nil {
                perform(session.handle(.deviceFound, now: now()))
            } else if session.phase == .resolving {
                checkServices()
            }
        case .propertiesChanged(let change):
            guard change.path == devicePath, change.interface == BlueZNames.device else { return }
            if change.changed["Connected"]?.boolean == false {
                perform(session.handle(.disconnected("the card disconnected"), now: now()))
            } else if change.changed["ServicesResolved"] != nil, session.phase == .resolving {
                checkServices()
            }
        case .interfacesRemoved(let removed):
            if removed.object == devicePath, removed.interfaces.contains(BlueZNames.device) {
                perform(session.handle(.disconnected("bluetoothd forgot the card's device"), now: now()))
            }
        case .serviceLost:
            log("bluetoothd left the bus; waiting for it")
            perform(session.handle(.disconnected("bluetoothd left the bus"), now: now()))
        case .loadFailed(let error):
            perform(session.handle(.failed("cannot read bluetoothd's objects: \(error.detail)"), now: now()))
        }
    }

    private func findDevice() -> BlueZDeviceProperties? {
        mirror?.tree.devices(adapter: adapter.path).first { $0.address?.uppercased() == config.deviceAddress }
    }

    private func locateDevice() {
        guard let mirror, mirror.isLoaded else { return }
        locatePending = false
        if let device = findDevice() {
            devicePath = device.path
            perform(session.handle(.deviceFound, now: now()))
        } else {
            perform(session.handle(.deviceAbsent, now: now()))
        }
    }

    private func startDiscovery() {
        let filter = BlueZDiscoveryFilter(uuids: [Self.service], transport: .le)
        let current = attempt
        call("starting discovery") { () throws(BlueZError) in
            try adapter.setDiscoveryFilter(filter) { [unowned self] result in
                guard current == attempt else { return }
                if case .failure(let error) = result { return failed("setting the discovery filter", error, current) }
                call("starting discovery") { () throws(BlueZError) in
                    try adapter.startDiscovery { [unowned self] result in
                        if case .failure(let error) = result { failed("starting discovery", error, current) }
                    }
                }
            }
        }
    }

    private func connect() {
        guard let device = findDevice() else {
            perform(session.handle(.failed("bluetoothd no longer knows the card's device"), now: now()))
            return
        }
        devicePath = device.path
        let current = attempt
        log("connecting to \(config.deviceAddress)")
        call("connecting") { () throws(BlueZError) in
            try BlueZDevice(client: client, path: device.path).connect { [unowned self] result in
                guard current == attempt else { return }
                if case .failure(let error) = result, error.code != .alreadyConnected {
                    return failed("connecting", error, current)
                }
                perform(session.handle(.connected, now: now()))
            }
        }
    }

    /// Answers `.resolveServices` once ServicesResolved is true.
    private func checkServices() {
        guard let devicePath, let device = mirror?.tree.device(at: devicePath), device.servicesResolved else { return }
        perform(session.handle(.servicesResolved(complete: characteristics() != nil), now: now()))
    }

    private func characteristics() -> (request: DBusObjectPath, response: DBusObjectPath, info: DBusObjectPath)? {
        guard let devicePath, let tree = mirror?.tree,
              let request = try? tree.characteristic(Self.request, service: Self.service, of: devicePath),
              let response = try? tree.characteristic(Self.response, service: Self.service, of: devicePath),
              let info = try? tree.characteristic(Self.info, service: Self.service, of: devicePath)
        else { return nil }
        return (request.path, response.path, info.path)
    }

    private func readInfo() {
        guard let paths = characteristics() else {
            perform(session.handle(.failed("the pivlink service went away"), now: now()))
            return
        }
        let current = attempt
        call("reading the info characteristic") { () throws(BlueZError) in
            try BlueZGattCharacteristic(client: client, path: paths.info).readValue { [unowned self] result in
                guard current == attempt else { return }
                switch result {
                case .success(let bytes): perform(session.handle(.infoRead(bytes), now: now()))
                case .failure(let error): failed("reading the info characteristic", error, current)
                }
            }
        }
    }

    /// AcquireNotify on the response characteristic, then AcquireWrite on the request characteristic.
    private func subscribe() {
        guard let paths = characteristics() else {
            perform(session.handle(.failed("the pivlink service went away"), now: now()))
            return
        }
        let current = attempt
        call("subscribing") { () throws(BlueZError) in
            try BlueZGattCharacteristic(client: client, path: paths.response).acquireNotify { [unowned self] result in
                guard current == attempt else { return }
                do throws(BlueZError) {
                    let acquired = try result.get()
                    notifySocket = try BlueZDatagramSocket(
                        acquired.fileDescriptor, loop: loop,
                        onDatagram: { [unowned self] fragment in perform(link.receive(fragment: fragment, now: now())) },
                        onClose: { [unowned self] in
                            perform(session.handle(.disconnected("the card's notifications stopped"), now: now()))
                        })
                    acquireWrite(paths.request, mtu: acquired.mtu, current: current)
                } catch {
                    failed("subscribing", error, current)
                }
            }
        }
    }

    private func acquireWrite(_ path: DBusObjectPath, mtu: Int, current: Int) {
        call("acquiring the request characteristic") { () throws(BlueZError) in
            try BlueZGattCharacteristic(client: client, path: path).acquireWrite { [unowned self] result in
                guard current == attempt else { return }
                do throws(BlueZError) {
                    let acquired = try result.get()
                    writeSocket = try BlueZDatagramSocket(
                        acquired.fileDescriptor, loop: loop, onDatagram: { _ in },
                        onClose: { [unowned self] in
                            perform(session.handle(.disconnected("the card's request channel closed"), now: now()))
                        })
                    perform(session.handle(.subscribed(mtu: min(mtu, acquired.mtu)), now: now()))
                } catch {
                    failed("acquiring the request characteristic", error, current)
                }
            }
        }
    }

    /// Runs one BlueZ call; one that cannot even be sent fails the step.
    private func call(_ step: String, _ body: () throws(BlueZError) -> Void) {
        do {
            try body()
        } catch {
            failed(step, error, attempt)
        }
    }

    /// A step of attempt `current` failed; late failures of abandoned attempts are dropped.
    private func failed(_ step: String, _ error: BlueZError, _ current: Int) {
        guard current == attempt else { return }
        perform(session.handle(.failed("\(step) failed: \(error)"), now: now()))
    }

    // MARK: the link and the card

    private func linkUp(info: LinkInfo, mtu: Int) {
        do throws(LinkError) {
            perform(try link.connect(info: info, mtu: mtu, now: now()))
        } catch {
            perform(session.handle(.failed(error.detail), now: now()))
            return
        }
        journal.log(
            "connected to the card (ATT MTU \(mtu), fragments of \((try? info.fragmentSize(forMTU: mtu)) ?? 0) bytes)",
            id: .linkUp, fields: ["PIVLINK_DEVICE": config.deviceAddress, "PIVLINK_ATT_MTU": String(mtu)])
        notifier.status("link up to the card \(config.deviceAddress)")
        presence.linkUp()
        perform(relay.linkUp())
    }

    /// Puts the card into pcscd or takes it out as the link, the relay and presence now want, and publishes the
    /// status when it changed.
    private func presenceChanged() {
        let wanted = presence.wantsCard && relay.isServing
        if wanted, vpcd == nil, let atr = relay.atr {
            presentCard(atr: atr)
        } else if !wanted, let server = vpcd, relay.isServing {
            log("taking the card out of pcscd: the phone is \(presence.state.rawValue); the card forgets a verified PIN")
            // Before stop(): closing vpcd sends POWER_OFF, whose failure may take the link down and set its own status.
            notifier.status("card removed (phone \(presence.state.rawValue), link up to \(config.deviceAddress))")
            vpcd = nil
            server.stop()
        }
        let current = status
        guard current != publishedStatus else { return }
        publishedStatus = current
        onStatusChange(current)
    }

    private func presentCard(atr: [UInt8]) {
        let server = VPCDServer(
            mode: .connect(host: config.vpcdHost, port: config.vpcdPort),
            session: RelayedCardSession(atr: atr, manager: self), loop: loop, journal: journal,
            journalFields: ["PIVLINK_DEVICE": config.deviceAddress])
        do {
            try server.start()
        } catch {
            log("cannot present the card to pcscd: \(error.detail)")
            perform(session.handle(.failed(error.detail), now: now()))
            return
        }
        vpcd = server
        log("presenting the card to pcscd (phone \(presence.state.rawValue))")
        notifier.status("card presented to pcscd (link up to \(config.deviceAddress))")
    }

    private func linkDown(_ reason: String) {
        journal.log(
            "lost the card (\(reason))", id: .linkDown, fields: ["PIVLINK_DEVICE": config.deviceAddress, "PIVLINK_REASON": reason])
        pendingReply = nil
        vpcd?.stop()
        vpcd = nil
        notifier.status("card removed, link down (\(reason)); \(lookingStatus)")
        perform(link.connectionLost(now: now()))
        relay.linkDown()
        presence.linkDown()
    }

    private func disconnect() {
        attempt += 1
        notifySocket?.close()
        notifySocket = nil
        writeSocket?.close()
        writeSocket = nil
        guard let devicePath else { return }
        try? BlueZDevice(client: client, path: devicePath).disconnect { _ in }
    }

    private func arm(_ timer: TimerSource?, at deadline: Duration) {
        do {
            try timer?.arm(at: MonotonicInstant(microseconds: 0).advanced(by: deadline))
        } catch {
            log("event loop failure (\(error.detail)); stopping")
            loop.exit(1)
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds).\(attoseconds / 100_000_000_000_000_000) s"
    }
}
