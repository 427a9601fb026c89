import BlueZ
import DBus
import EventLoop

/// Keeps bluetoothd advertising what `CardAdvertisement` says for each turn: every `CardAdvertisement.turn` (and
/// at `refresh()`, when the pairings or the window change) it asks `serviceData` for the next turn and, when that
/// differs from what is registered, unregisters the advertisement and registers it anew with the new content
/// (bluetoothd reads an advertisement's properties once, at registration). With nothing to advertise it
/// unregisters and says why, once.
///
/// Used from the loop's thread only.
final class CardAdvertiser {
    private let connection: DBusConnection
    private let adapter: BlueZAdapter
    private let journal: Journal
    private let serviceData: (Int) -> [UInt8]?
    private var timer: TimerSource?
    private var turn = 0
    private var isBlueZPresent = false
    /// Counts bluetoothd instances, so that a late reply from a gone one is dropped.
    private var generation = 0
    private var advertisement: LEAdvertisement?
    /// What bluetoothd has registered (nil: nothing).
    private var registered: [UInt8]?
    private var isRegistering = false
    private var reportedFailure = false
    private var reportedSilence = false

    init(
        connection: DBusConnection, adapter: BlueZAdapter, loop: EventLoop, journal: Journal,
        serviceData: @escaping (Int) -> [UInt8]?
    ) throws(CardDaemonError) {
        self.connection = connection
        self.adapter = adapter
        self.journal = journal
        self.serviceData = serviceData
        do {
            timer = try loop.makeTimer { [unowned self] in
                turn &+= 1
                advertise()
                try? timer?.arm(after: CardAdvertisement.turn)
            }
            try timer?.arm(after: CardAdvertisement.turn)
        } catch {
            throw CardDaemonError(.eventLoopFailed, "cannot time the advertisement's turns: \(error.detail)")
        }
    }

    /// bluetoothd is on the bus (again): advertise from scratch.
    func bluezAppeared() {
        isBlueZPresent = true
        generation += 1
        registered = nil
        isRegistering = false
        advertise()
    }

    /// bluetoothd left: its advertisements went with it.
    func bluezLeft() {
        isBlueZPresent = false
        generation += 1
        registered = nil
        isRegistering = false
    }

    /// The pairings or the window changed: advertise the current turn's content now.
    func refresh() {
        advertise()
    }

    /// Stops the turns and unregisters; `done` runs when bluetoothd answered (or at once if nothing is registered).
    func stop(done: @escaping () -> Void) {
        timer?.cancel()
        timer = nil
        generation += 1
        guard isBlueZPresent, registered != nil || isRegistering else {
            advertisement?.remove()
            done()
            return
        }
        registered = nil
        do {
            try adapter.unregisterAdvertisement(CardAdvertisement.path) { [weak self] _ in
                self?.advertisement?.remove()
                done()
            }
        } catch {
            advertisement?.remove()
            done()
        }
    }

    private func advertise() {
        guard isBlueZPresent, timer != nil, !isRegistering else { return }
        let wanted = serviceData(turn)
        if wanted != nil {
            guard wanted != registered || advertisement == nil else { return }
        } else {
            guard advertisement != nil || !reportedSilence else { return }
        }
        // Always unregistered first (a failed attempt may have left it registered; bluetoothd refuses the rest
        // with DoesNotExist): ordered before the registration below on the same connection.
        try? adapter.unregisterAdvertisement(CardAdvertisement.path) { _ in }
        registered = nil
        advertisement?.remove()
        advertisement = nil
        guard let wanted else {
            if !reportedSilence {
                reportedSilence = true
                journal.log("advertising nothing: no station is paired and the pairing window is closed (pivlink-card pair opens it)")
            }
            return
        }
        reportedSilence = false
        do {
            advertisement = try LEAdvertisement(
                connection: connection, path: CardAdvertisement.path, content: CardAdvertisement.content(serviceData: wanted),
                onRelease: { [unowned self] in journal.log("bluetoothd released the advertisement") })
        } catch {
            report("cannot export the advertisement: \(error.detail)")
            return
        }
        isRegistering = true
        let attempt = generation
        do {
            try adapter.registerAdvertisement(CardAdvertisement.path) { [weak self] result in
                guard let self, attempt == generation else { return }
                isRegistering = false
                switch result {
                case .success:
                    registered = wanted
                    reportedFailure = false
                case .failure(let error):
                    // The next turn tries again.
                    report("registering the advertisement failed: \(error)")
                }
            }
        } catch {
            isRegistering = false
            report("cannot call bluetoothd: \(error.detail)")
        }
    }

    private func report(_ reason: String) {
        guard !reportedFailure else { return }
        reportedFailure = true
        journal.log("\(reason); trying again every turn")
    }
}
