import BlueZ
import CardCrypto
import CardDaemon
import Crypto
import DBus
import EventLoop
import Foundation
import Link
import Pairing
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
///
/// The cards it serves are the ones paired with it (`StationPairingStore`): it discovers with the pivlink service
/// filter and recognises a card by the private token in its advertisement's service data
/// (`AdvertisingTokenRecognizer`), and every connection opens the secure channel to that card's key; the card goes
/// into pcscd only once the channel is open. `pair` stops serving, finds a card in pairing mode (its service data is
/// the marker `01`) and runs the ceremony on its connection (`StationPairingSession`); `unpair` asks the card to
/// forget this station over the open channel (UNPAIR) when it can, then forgets the card here.
public final class Manager {
    enum ReaderEvent {
        case powerOn, powerOff, reset, disconnected
    }

    static let service: BluetoothUUID = "898a0001-6249-4f6c-b878-318bb3580b9c"
    static let request: BluetoothUUID = "898a0002-6249-4f6c-b878-318bb3580b9c"
    static let response: BluetoothUUID = "898a0003-6249-4f6c-b878-318bb3580b9c"
    static let info: BluetoothUUID = "898a0004-6249-4f6c-b878-318bb3580b9c"
    /// The service data of a card whose pairing window is open.
    static let pairingMarker: [UInt8] = [0x01]
    /// How long the station waits for the card's UNPAIRED.
    static let unpairTimeout = Duration.seconds(5)

    /// What the station's connections are for.
    private enum Mode {
        /// Finding and serving the paired cards.
        case serving
        /// `pair`: finding a card in pairing mode, then the ceremony on its connection (once it is up).
        case pairing(name: String, ceremony: StationPairingSession?)
    }

    private let config: Config
    private let loop: EventLoop
    private let client: BlueZClient
    private let adapter: BlueZAdapter
    private let journal: Journal
    private let notifier: ServiceNotifier
    private var mirror: BlueZObjectMirror?
    private let presence: StationPresence
    /// The RSSI feeds that follow the recognised card's device.
    private let signalFollowers: [RecognizedDeviceSignalSource]
    private let pairingStore: StationPairingStore
    private var recognizer: AdvertisingTokenRecognizer
    /// Unix time in seconds, for the advertising slot.
    private let wallClock: () -> Int64
    private var mode = Mode.serving
    /// The card of the current attempt: recognised by its token, connected or being connected.
    private var servedCard: PairingRecord?
    private var isChannelOpen = false
    private var pairingState = StationPairingState.idle
    private var pairingResult = ""
    /// Ends `pair` when its time is up.
    private var pairingTimer: TimerSource?
    /// Why a ceremony the station cancels failed, instead of the machine's "cancelled".
    private var cancelReason: String?
    /// The UNPAIR in flight: the card it removes and the caller's completion.
    private var unpairing: (card: PairingRecord, completion: (Result<Bool, StationDaemonError>) -> Void)?
    private var unpairTimer: TimerSource?
    /// Called on the loop whenever `status` changed.
    public var onStatusChange: (StationStatus) -> Void = { _ in }
    private var publishedStatus: StationStatus?

    private var session: StationLinkSession
    private var link: LinkCentralStateMachine
    /// The ATT MTU of the link whose secure channel is being opened or is open.
    private var linkMTU: Int?
    private var relay: CardRelay
    private var vpcd: VPCDServer?
    private var pendingReply: (([UInt8]) -> Void)?

    private var sessionTimer: TimerSource?
    private var linkTimer: TimerSource?
    /// Measures the link's round trip every `proximity.rtt_interval` while the relay serves.
    private var roundTripTimer: TimerSource?
    private var devicePath: DBusObjectPath?
    private var writeSocket: BlueZDatagramSocket?
    private var notifySocket: BlueZDatagramSocket?
    /// Bumped whenever an attempt is abandoned, so that late BlueZ replies of an old attempt are dropped.
    private var attempt = 0
    /// Set while `.locateDevice` waits for the first snapshot of BlueZ's objects.
    private var locatePending = false

    /// `pairings` holds the station's key and its cards; `wallClock` gives Unix seconds (the advertising slot).
    public init(
        config: Config, pairings: StationPairingStore, client: BlueZClient, loop: EventLoop, seed: UInt64,
        journal: Journal, notifier: ServiceNotifier = ServiceNotifier(),
        wallClock: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws(StationDaemonError) {
        self.config = config
        pairingStore = pairings
        self.wallClock = wallClock
        let stored = pairings.pairings
        recognizer = AdvertisingTokenRecognizer(stationKey: stored.identity.keyPair, pairings: stored.cards)
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
        signalFollowers = Self.signalSources(config.proximitySignal, client: client, loop: loop, journal: journal)
        presence = StationPresence(
            settings: config.proximity, sources: signalFollowers, hasRSSISource: config.proximitySignal != .none,
            locker: SessionLocker(connection: client.connection, loop: loop, settings: config.lock) { journal.log($0) },
            baselineFile: BaselineFile(), device: "", loop: loop, journal: journal)
    }

    /// The feeds of RSSI for `signal`, each following the recognised card's device: always the card's
    /// advertisements (heard while the station looks for it), and the connected link's where there is a source
    /// for it.
    private static func signalSources(
        _ signal: ConnectionSignal, client: BlueZClient, loop: EventLoop, journal: Journal
    ) -> [RecognizedDeviceSignalSource] {
        func follower(_ make: @escaping (DBusObjectPath) -> any PresenceSignalSource) -> RecognizedDeviceSignalSource {
            RecognizedDeviceSignalSource(log: { journal.log($0, priority: .warning) }, make: make)
        }
        let advertisements = follower { AdvertisementRSSISource(client: client, device: $0, loop: loop) }
        switch signal {
        case .none: return [advertisements]
        case .emulator: return [advertisements, follower { EmulatedLinkRSSISource(client: client, device: $0, loop: loop) }]
        case .kernel:
            return [
                advertisements,
                follower { KernelLinkRSSISource(client: client, device: $0, loop: loop) { journal.log($0, priority: .warning) } },
            ]
        }
    }

    /// What the station knows at a glance (org.pivlink.Station1's properties).
    public var status: StationStatus {
        let pairings = pairingStore.pairings
        var status = StationStatus(device: servedCard?.fingerprint.description ?? "")
        status.fingerprint = pairings.fingerprint.description
        status.pairings = pairings.cards.records.map { .init(fingerprint: $0.fingerprint.description, name: $0.name) }
        status.pairingState = pairingState
        status.pairingResult = pairingResult
        if case .pairing(_, let ceremony?) = mode {
            status.pairingCode = ceremony.code?.digits ?? ""
            status.pairingPeer = ceremony.peer?.fingerprint.description ?? ""
        }
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

    /// Watches BlueZ and starts looking for the paired cards (none paired: it waits for `pair`).
    public func start() throws(StationDaemonError) {
        do {
            sessionTimer = try loop.makeTimer { [unowned self] in perform(session.handleTimer(now: now())) }
            linkTimer = try loop.makeTimer { [unowned self] in perform(link.handleTimer(now: now())) }
            roundTripTimer = try loop.makeTimer { [unowned self] in probeRoundTrip() }
            pairingTimer = try loop.makeTimer { [unowned self] in pairingTimeUp() }
            unpairTimer = try loop.makeTimer { [unowned self] in
                finishUnpair(removedOnCard: false, "the card did not answer UNPAIR within \(Self.seconds(Self.unpairTimeout))")
            }
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
        log("station \(pairingStore.pairings.fingerprint)\(config.responseCache ? "" : "; response cache off")")
        resumeServing()
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

    /// The one-line STATUS while the station looks for its cards (also its READY status).
    var lookingStatus: String {
        let cards = pairingStore.pairings.cards.records
        if cards.isEmpty { return Self.noCardPaired }
        return "looking for \(cards.count == 1 ? "the card \(Self.describe(cards[0]))" : "\(cards.count) paired cards") on \(config.adapter)"
    }

    static let noCardPaired = "no card is paired with this station: pair one with `pivlink pair`"

    /// How the log names a card: its name and fingerprint.
    private static func describe(_ card: PairingRecord) -> String {
        "\(card.name) (\(card.fingerprint))"
    }

    /// The served card for the log and STATUS.
    private var cardName: String {
        servedCard.map(Self.describe) ?? "the card"
    }

    /// Starts looking for the paired cards, or says there is none.
    private func resumeServing() {
        mode = .serving
        if pairingStore.pairings.cards.records.isEmpty {
            log(Self.noCardPaired)
            notifier.status(Self.noCardPaired)
        } else {
            log(lookingStatus)
            notifier.status(lookingStatus)
            perform(session.start(now: now()))
        }
        publishStatus()
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
                arm(roundTripTimer, at: now() + config.roundTripInterval)
                presenceChanged()
            case .dropLink(let reason):
                perform(session.handle(.failed(reason), now: now()))
            case .roundTrip(let duration):
                presence.roundTrip(duration)
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
                if unpairing != nil {
                    if message == .unpaired {
                        finishUnpair(removedOnCard: true, nil)
                    } else {
                        finishUnpair(removedOnCard: false, "the card answered UNPAIR with \(message.command)")
                    }
                } else {
                    perform(relay.delivered(message, now: now()))
                }
            case .progress:
                break
            case .fail(let error):
                if unpairing != nil {
                    finishUnpair(removedOnCard: false, error.detail)
                } else {
                    perform(relay.failed(error))
                }
            case .pairingMessage(let bytes):
                if case .pairing(_, let ceremony?) = mode { ceremony.receive(bytes) }
            case .channelOpen:
                isChannelOpen = true
                linkEstablished()
            case .channelFailed(let error):
                let reason =
                    error.code == .notPaired
                    ? "the card does not know this station any more (unpaired on the phone?): pair again with `pivlink pair`"
                    : "the secure channel to \(cardName) failed: \(error.detail)"
                perform(session.handle(.failed(reason), now: now()))
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
        case .interfacesAdded(let added):
            if session.phase == .discovering, added.interfaces[BlueZNames.device] != nil {
                discovered(added.object)
            } else if session.phase == .resolving {
                checkServices()
            }
        case .propertiesChanged(let change):
            guard change.interface == BlueZNames.device else { return }
            if session.phase == .discovering, change.changed["ServiceData"] != nil {
                // A fresh advertising report's service data (discovery reports duplicates, so every report of a
                // card carries it): what the device advertises now. An RSSI alone is no evidence: the cached
                // service data may be another advertiser's at the same address (a stranger, or the card's token of
                // an earlier slot).
                discovered(change.path)
                return
            }
            guard change.path == devicePath else { return }
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

    /// A device heard while discovering: the one to connect to if it is what the station looks for.
    private func discovered(_ path: DBusObjectPath) {
        guard let device = mirror?.tree.device(at: path), device.adapter == adapter.path, accept(device) else { return }
        perform(session.handle(.deviceFound, now: now()))
    }

    /// Whether `device` advertises what the station looks for now: while serving, the token of a paired card for
    /// this slot (±1); while pairing, the pairing marker. Takes it as the attempt's device (and card) if so.
    private func accept(_ device: BlueZDeviceProperties) -> Bool {
        guard let data = device.serviceData[Self.service] else { return false }
        switch mode {
        case .pairing:
            guard data == Self.pairingMarker else { return false }
            log("found a card in pairing mode (\(device.address ?? device.path.rawValue))")
        case .serving:
            guard let token = try? AdvertisingToken(bytes: data),
                let match = recognizer.recognize(token, at: AdvertisingSlot(unixTime: wallClock())),
                let card = pairingStore.pairings.cards.record(forPublicKey: match.card)
            else { return false }
            servedCard = card
            presence.device = card.fingerprint.description
            log("recognised \(Self.describe(card)) at \(device.address ?? device.path.rawValue)")
        }
        devicePath = device.path
        return true
    }

    /// Answers `.locateDevice`: only a device still connected counts (a cached one's service data may be old, and a
    /// phone's address rotates); anything else is found by discovering.
    private func locateDevice() {
        guard let mirror, mirror.isLoaded else { return }
        locatePending = false
        let connected = mirror.tree.devices(adapter: adapter.path).first { $0.connected && accept($0) }
        perform(session.handle(connected == nil ? .deviceAbsent : .deviceFound, now: now()))
    }

    private func startDiscovery() {
        // No UUID in the filter: a card advertises the pivlink service only as the UUID of its service data (the
        // token leaves no room for a UUID list in 31 bytes), and bluetoothd's UUID filter matches the UUID list.
        // Duplicates on, so each new token (every slot, every turn of a card's pairings) is reported.
        let filter = BlueZDiscoveryFilter(transport: .le, duplicateData: true)
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
        guard let devicePath, mirror?.tree.device(at: devicePath) != nil else {
            perform(session.handle(.failed("bluetoothd no longer knows the card's device"), now: now()))
            return
        }
        let current = attempt
        log("connecting to \(devicePath)")
        call("connecting") { () throws(BlueZError) in
            try BlueZDevice(client: client, path: devicePath).connect { [unowned self] result in
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

    /// The link is up. Serving: the channel's handshake to the recognised card starts, and the card comes when it
    /// is open (`linkEstablished`). Pairing: the ceremony starts.
    private func linkUp(info: LinkInfo, mtu: Int) {
        isChannelOpen = false
        linkMTU = mtu
        switch mode {
        case .serving:
            let security: LinkSecurity
            do throws(StationDaemonError) {
                security = try channelSecurity()
            } catch {
                return perform(session.handle(.failed(error.detail), now: now()))
            }
            do throws(LinkError) {
                perform(try link.connect(info: info, mtu: mtu, security: security, now: now()))
            } catch {
                perform(session.handle(.failed(error.detail), now: now()))
            }
        case .pairing(let name, _):
            do throws(LinkError) {
                perform(try link.connect(info: info, mtu: mtu, security: .stationPairing, now: now()))
            } catch {
                return endPairing(failure: "cannot talk to the card in pairing mode: \(error.detail)")
            }
            do throws(StationDaemonError) {
                let ceremony = try StationPairingSession(
                    staticKey: pairingStore.pairings.identity.keyPair, random: SystemRandom(), loop: loop,
                    configuration: .init(confirmationTimeout: .seconds(Int64(StationBusService.pairingSeconds.upperBound))),
                    send: { [unowned self] bytes in perform(link.sendPairing(bytes, now: now())) },
                    finished: { [unowned self] result in ceremonyFinished(result) })
                ceremony.onChange = { [unowned self] in ceremonyChanged() }
                mode = .pairing(name: name, ceremony: ceremony)
                log("connected to the card in pairing mode: exchanging keys")
                ceremony.start()
            } catch {
                endPairing(failure: "cannot start the ceremony: \(error.detail)")
            }
        }
    }

    /// The keys of a serving connection: the station's static key, the recognised card's, a fresh ephemeral key.
    private func channelSecurity() throws(StationDaemonError) -> LinkSecurity {
        guard let card = servedCard else {
            throw StationDaemonError(.pairingFailed, "connected to a device that was not recognised as a paired card")
        }
        do {
            return .station(
                staticKey: try Curve25519.KeyAgreement.PrivateKey(
                    rawRepresentation: pairingStore.pairings.identity.keyPair.privateKey),
                cardKey: try Curve25519.KeyAgreement.PublicKey(rawRepresentation: card.publicKey.bytes),
                ephemeralKey: Curve25519.KeyAgreement.PrivateKey())
        } catch {
            throw StationDaemonError(.stateFailed, "the stored keys are not usable X25519 keys: restore the station's state or pair again")
        }
    }

    private func linkEstablished() {
        guard let info = session.info, let mtu = linkMTU else { return }
        // Presence follows a device's signal only once it proved to be the card (its channel opened): a token is
        // public on the air for its slot, and a device that merely replays one must not keep the phone "heard".
        if let devicePath {
            signalFollowers.forEach { $0.follow(devicePath) }
        }
        journal.log(
            "secure channel open to \(cardName) (ATT MTU \(mtu), fragments of \((try? info.fragmentSize(forMTU: mtu)) ?? 0) bytes)",
            id: .linkUp, fields: ["PIVLINK_CARD_KEY": servedCard?.fingerprint.description ?? "", "PIVLINK_ATT_MTU": String(mtu)])
        notifier.status("link up to \(cardName)")
        presence.linkUp()
        perform(relay.linkUp())
    }

    /// Pings the card to measure the link's round trip (when the link is idle), then again after the interval, while
    /// the relay serves; `.insertCard` starts it on each link.
    private func probeRoundTrip() {
        guard relay.isServing else { return }
        perform(relay.probeRoundTrip(now: now()))
        arm(roundTripTimer, at: now() + config.roundTripInterval)
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
            notifier.status("card removed (phone \(presence.state.rawValue), link up to \(cardName))")
            vpcd = nil
            server.stop()
        }
        publishStatus()
    }

    private func publishStatus() {
        let current = status
        guard current != publishedStatus else { return }
        publishedStatus = current
        onStatusChange(current)
    }

    private func presentCard(atr: [UInt8]) {
        let server = VPCDServer(
            mode: .connect(host: config.vpcdHost, port: config.vpcdPort),
            session: RelayedCardSession(atr: atr, manager: self), loop: loop, journal: journal,
            journalFields: ["PIVLINK_CARD_KEY": servedCard?.fingerprint.description ?? ""])
        do {
            try server.start()
        } catch {
            log("cannot present the card to pcscd: \(error.detail)")
            perform(session.handle(.failed(error.detail), now: now()))
            return
        }
        vpcd = server
        log("presenting the card to pcscd (phone \(presence.state.rawValue))")
        notifier.status("card presented to pcscd (link up to \(cardName))")
    }

    private func linkDown(_ reason: String) {
        journal.log(
            "lost \(cardName) (\(reason))", id: .linkDown,
            fields: ["PIVLINK_CARD_KEY": servedCard?.fingerprint.description ?? "", "PIVLINK_REASON": reason])
        pendingReply = nil
        vpcd?.stop()
        vpcd = nil
        isChannelOpen = false
        notifier.status("card removed, link down (\(reason)); \(lookingStatus)")
        perform(link.connectionLost(now: now()))
        relay.linkDown()
        presence.linkDown()
        if unpairing != nil {
            finishUnpair(removedOnCard: false, "the link went down (\(reason))", restart: false)
        }
        if case .pairing(_, let ceremony?) = mode, pairingState == .searching || pairingState == .code {
            // The session backs off and tries again, for the paired cards now.
            endPairing(failure: "the card disconnected during the ceremony (\(reason)); pair again", restart: false)
            ceremony.cancel()
        }
        publishStatus()
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

// MARK: pairing and unpairing

extension Manager {
    /// `Pair(name, seconds)`: stops serving (the card leaves pcscd, the link drops), looks for a card in pairing
    /// mode and runs the ceremony on its connection, all within `duration`; the card is stored as `name`.
    public func pair(name: String, for duration: Duration) throws(StationDaemonError) {
        if case .pairing = mode {
            throw StationDaemonError(.pairingFailed, "a pairing is already in progress: finish it, or wait until its time is up")
        }
        guard unpairing == nil else {
            throw StationDaemonError(.pairingFailed, "an unpairing is in progress: pair again in a few seconds")
        }
        do {
            // The store's own rule for names, checked before anything stops: the station's key stands in for the card's.
            _ = try PairingRecord(publicKey: pairingStore.pairings.publicKey, name: name)
        } catch {
            throw StationDaemonError(.pairingFailed, "the card's name: \(error.detail)")
        }
        log("pairing: looking for a card in pairing mode for \(Self.seconds(duration)) (to be stored as '\(name)')")
        perform(session.stop())
        servedCard = nil
        mode = .pairing(name: name, ceremony: nil)
        pairingState = .searching
        pairingResult = ""
        cancelReason = nil
        arm(pairingTimer, at: now() + duration)
        notifier.status("pairing: looking for a card in pairing mode")
        perform(session.start(now: now()))
        publishStatus()
    }

    /// `ConfirmPairing(code)`: the user says the card shows `code`; another code fails the ceremony.
    public func confirmPairing(_ code: PairingCode) throws(StationDaemonError) {
        try ceremonyShowingCode().confirm(code)
    }

    /// `RejectPairing()`: the codes differ.
    public func rejectPairing() throws(StationDaemonError) {
        try ceremonyShowingCode().reject()
    }

    /// `CancelPairing()`: stops the search or the ceremony; nothing is paired.
    public func cancelPairing() throws(StationDaemonError) {
        guard case .pairing(_, let ceremony) = mode else {
            throw StationDaemonError(.pairingFailed, "no pairing in progress: start one with `pivlink pair`")
        }
        cancel(ceremony, because: "pairing cancelled; nothing was paired")
    }

    /// `Unpair(fingerprint)`: the card with that fingerprint is forgotten here (on disk first); if it is the card
    /// whose secure channel is open, it is asked over the channel to forget this station first (UNPAIR), and the
    /// completion says whether it did. Then the station serves its remaining cards.
    public func unpair(_ fingerprint: PairingFingerprint, completion: @escaping (Result<Bool, StationDaemonError>) -> Void) {
        guard let card = pairingStore.pairings.cards.record(forFingerprint: fingerprint) else {
            completion(.failure(StationDaemonError(
                .notPaired, "no card with fingerprint \(fingerprint) is paired with this station: `pivlink status` lists them")))
            return
        }
        guard unpairing == nil else {
            completion(.failure(StationDaemonError(.pairingFailed, "an unpairing is in progress: try again in a few seconds")))
            return
        }
        guard case .serving = mode, servedCard == card, isChannelOpen else {
            return completion(removeLocally(card).map { false })
        }
        log("unpairing \(Self.describe(card)): asking the card to forget this station")
        // The card leaves pcscd and the relay stops using the link; a request of the relay still out is cancelled
        // (its failure is the relay's, which is down: dropped).
        unpairing = (card, completion)
        pendingReply = nil
        relay.linkDown()
        if let server = vpcd {
            vpcd = nil
            server.stop()
        }
        if link.isBusy {
            perform(link.cancel(now: now()).filter { if case .fail = $0 { false } else { true } })
        }
        arm(unpairTimer, at: now() + Self.unpairTimeout)
        perform(link.send(.unpair, now: now()))
        publishStatus()
    }

    private func ceremonyShowingCode() throws(StationDaemonError) -> StationPairingSession {
        guard case .pairing(_, let ceremony?) = mode, ceremony.code != nil else {
            throw StationDaemonError(.pairingFailed, "no pairing code to confirm: start a pairing with `pivlink pair` and wait for its code")
        }
        return ceremony
    }

    /// Ends the search, or the ceremony (ABORT to the card), with `reason` as the result.
    private func cancel(_ ceremony: StationPairingSession?, because reason: String) {
        if let ceremony {
            cancelReason = reason
            ceremony.cancel()
        } else {
            endPairing(failure: reason)
        }
    }

    /// `Pair`'s time bounds the search for a card in pairing mode; a ceremony that began in it runs on under its
    /// own deadlines (10 s per message, 120 s for the users to compare codes), so a code shown as the time ends is
    /// not cut off.
    private func pairingTimeUp() {
        guard case .pairing(_, nil) = mode else { return }
        cancel(nil, because: "no card in pairing mode was found in time: open the card's pairing window (`pivlink-card pair`) and pair again")
    }

    private func ceremonyChanged() {
        guard case .pairing(_, let ceremony?) = mode else { return }
        if let code = ceremony.code, pairingState != .code {
            pairingState = .code
            log("pairing code \(code) (card \(ceremony.peer?.fingerprint.description ?? "?")): confirm it if the card shows the same")
            notifier.status("pairing: compare the code")
        }
        publishStatus()
    }

    private func ceremonyFinished(_ result: Result<PairingPublicKey, PairingError>) {
        guard case .pairing(let name, _) = mode else { return }
        switch result {
        case .success(let key):
            let record: PairingRecord
            do {
                record = try PairingRecord(publicKey: key, name: name)
                try pairingStore.addCard(record)
            } catch let error as PairingError {
                return endPairing(failure: "cannot store the card: \(error.detail)")
            } catch let error as StationDaemonError {
                return endPairing(failure: "cannot store the card: \(error.detail)")
            } catch {
                return endPairing(failure: "cannot store the card: \(error)")
            }
            recognizer = AdvertisingTokenRecognizer(
                stationKey: pairingStore.pairings.identity.keyPair, pairings: pairingStore.pairings.cards)
            pairingTimer?.cancel()
            pairingState = .paired
            pairingResult = "paired with card \(record.fingerprint) (\(record.name))"
            log(pairingResult)
            mode = .serving
            servedCard = record
            presence.device = record.fingerprint.description
            publishStatus()
            // The pairing connection carries on as the card's first secure connection: the handshake follows this
            // station's last CONFIRM on the same link, in order, and the card, whose ceremony has ended, takes it as
            // a new connection. Disconnecting instead could lose that CONFIRM (a write without response), and with
            // real bluetoothd a disconnect and an immediate reconnect to the same device can cut the new link.
            if let info = session.info, let mtu = linkMTU {
                linkUp(info: info, mtu: mtu)
            } else {
                perform(session.stop())
                resumeServing()
            }
        case .failure(let error):
            endPairing(failure: error.code == .cancelled ? cancelReason ?? error.detail : error.detail)
        }
    }

    /// The ceremony or the search failed: nothing is stored; the station serves its cards again (`restart`: now;
    /// otherwise the session, backing off after a lost link, starts over by itself).
    private func endPairing(failure reason: String, restart: Bool = true) {
        guard case .pairing = mode else { return }
        pairingTimer?.cancel()
        cancelReason = nil
        pairingState = .failed
        pairingResult = reason
        log("pairing failed: \(reason)")
        mode = .serving
        if restart {
            perform(session.stop())
            resumeServing()
        } else {
            publishStatus()
        }
    }

    /// The UNPAIR in flight ended: the card is forgotten here whatever the card said, and the station serves the
    /// rest (`restart`: now; otherwise the session, backing off after a lost link, starts over by itself).
    private func finishUnpair(removedOnCard: Bool, _ why: String?, restart: Bool = true) {
        guard let (card, completion) = unpairing else { return }
        unpairing = nil
        unpairTimer?.cancel()
        if let why { log("\(Self.describe(card)) did not confirm the unpairing (\(why)): it is forgotten on this station only") }
        completion(removeLocally(card, restart: restart).map { removedOnCard })
    }

    /// Forgets `card` here, on disk first; a session busy with it starts over for the remaining cards (`restart`:
    /// now; otherwise it is backing off already and starts over by itself).
    private func removeLocally(_ card: PairingRecord, restart: Bool = true) -> Result<Void, StationDaemonError> {
        do {
            try pairingStore.removeCard(fingerprint: card.fingerprint)
        } catch {
            return .failure(error as? StationDaemonError ?? StationDaemonError(.stateFailed, "\(error)"))
        }
        recognizer = AdvertisingTokenRecognizer(
            stationKey: pairingStore.pairings.identity.keyPair, pairings: pairingStore.pairings.cards)
        log("unpaired \(Self.describe(card))")
        if servedCard == card {
            servedCard = nil
            if restart, case .serving = mode {
                perform(session.stop())
                resumeServing()
            }
        }
        publishStatus()
        return .success(())
    }
}

extension Manager {
    /// org.pivlink.Station1's pairing methods, handled by this manager (which they do not keep alive).
    public var pairingCalls: StationPairingCalls {
        StationPairingCalls(
            pair: { [unowned self] name, duration throws(StationDaemonError) in try pair(name: name, for: duration) },
            confirm: { [unowned self] code throws(StationDaemonError) in try confirmPairing(code) },
            reject: { [unowned self] () throws(StationDaemonError) in try rejectPairing() },
            cancel: { [unowned self] () throws(StationDaemonError) in try cancelPairing() },
            unpair: { [unowned self] fingerprint, completion in unpair(fingerprint, completion: completion) })
    }
}
