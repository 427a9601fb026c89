import BlueZ
import CardDaemon
import DBus
import EventLoop
import Link
import StationCore

/// pivlink-station's shell: BlueZ central → link (`LinkCentralStateMachine`) → `CardRelay` (with the response
/// cache) → vpcd (`VPCDServer`). The cores decide; this class only does what their actions say, on one event
/// loop. The card is in pcscd (vpcd connected) exactly while the link is up and the card answered power-on and
/// its credential version; when the link drops the vpcd connection is closed (card removed) and whatever was in
/// flight is never sent again. Link up/down (here) and card inserted/removed (its `VPCDServer`) go to the journal with
/// their MESSAGE_IDs, and to systemd as the service's STATUS.
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
    }

    /// Watches BlueZ and starts looking for the card.
    public func start() throws(StationDaemonError) {
        do {
            sessionTimer = try loop.makeTimer { [unowned self] in perform(session.handleTimer(now: now())) }
            linkTimer = try loop.makeTimer { [unowned self] in perform(link.handleTimer(now: now())) }
        } catch {
            throw StationDaemonError(.eventLoopFailed, "cannot create a timer: \(error.detail)")
        }
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
            case .insertCard(let atr):
                insertCard(atr: atr)
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
        notifier.status("link up to the card \(config.deviceAddress); presenting it to pcscd")
        perform(relay.linkUp())
    }

    private func insertCard(atr: [UInt8]) {
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
        let cached = relay.cache.count
        log("the card is up (credential version \(relay.cache.credentialVersion.map(String.init) ?? "?"), \(cached) cached answers): presenting it to pcscd")
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
