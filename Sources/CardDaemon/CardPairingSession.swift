import CardCrypto
import EventLoop
import Pairing

/// The card's pairing window and its one ceremony: `start(for:name:)` opens the window, the first station that
/// sends a PAIRING message on a connection gets the ceremony (`PairingStateMachine`, role card), the code is shown
/// through `status` (the bus properties), the user's confirmation or rejection comes back through `confirm(code:)`
/// or `reject()`, and on `.paired` the station is stored (`CardStations`, on disk first) before the status says
/// paired. The window closes with the ceremony's end, its expiry or `cancel()`; one window at a time.
///
/// Used from the loop's thread only.
public final class CardPairingSession {
    /// How long a window may stay open.
    public static let windowSeconds: ClosedRange<UInt32> = 10...600

    /// `PairingState` on the bus.
    public enum State: String, Sendable {
        /// No window; `paired` and `failed` say how the last one ended.
        case closed, open, code, paired, failed
    }

    /// What the bus shows of the pairing.
    public struct Status: Hashable, Sendable {
        public var state = State.closed
        /// The 6 digits while `state` is `code`, else "".
        public var code = ""
        /// The fingerprint of the station in the ceremony, "" if none.
        public var peer = ""
        /// One line once the window ended: how.
        public var result = ""

        public init(state: State = .closed, code: String = "", peer: String = "", result: String = "") {
            self.state = state
            self.code = code
            self.peer = peer
            self.result = result
        }
    }

    private struct Ceremony {
        var machine: PairingStateMachine
        let send: ([UInt8]) -> Void
        var peer: PairingFingerprint?
    }

    public private(set) var status = Status()
    /// Called after every change of `status`.
    public var onChange: () -> Void = {}
    /// The ceremony ended (paired or failed) while a station's connection carried it: drop that connection.
    public var onCeremonyEnded: () -> Void = {}

    private let loop: EventLoop
    private let stations: CardStations
    private let random: any RandomSource
    private let configuration: PairingStateMachine.Configuration
    private let journal: Journal
    private var windowTimer: TimerSource?
    private var ceremonyTimer: TimerSource?
    private var name: String?
    private var isOpen = false
    private var ceremony: Ceremony?

    public init(
        loop: EventLoop, stations: CardStations, random: some RandomSource, journal: Journal,
        configuration: PairingStateMachine.Configuration = PairingStateMachine.Configuration()
    ) throws(CardDaemonError) {
        self.loop = loop
        self.stations = stations
        self.random = random
        self.journal = journal
        self.configuration = configuration
        do {
            windowTimer = try loop.makeTimer { [unowned self] in windowExpired() }
            ceremonyTimer = try loop.makeTimer { [unowned self] in
                perform(ceremony?.machine.handleTimer(now: now()) ?? [])
            }
        } catch {
            throw CardDaemonError(.eventLoopFailed, "cannot create the pairing timers: \(error.detail)")
        }
    }

    /// A new station connecting now may carry the ceremony (the window is open and no ceremony runs).
    public var acceptsPairing: Bool { isOpen && ceremony == nil }

    /// Opens the window for `duration` (`windowSeconds`); `name` (1…64 bytes, "" for "station <fingerprint>") is
    /// what the station is stored as. Refused while a window is open.
    public func start(for duration: Duration, name: String) throws(CardDaemonError) {
        guard !isOpen else {
            throw CardDaemonError(.pairingInProgress, "a pairing window is already open: confirm, reject or cancel it first")
        }
        let seconds = duration.components.seconds
        guard seconds >= Self.windowSeconds.lowerBound, seconds <= Self.windowSeconds.upperBound else {
            throw CardDaemonError(
                .pairingInProgress,
                "a pairing window is open for \(Self.windowSeconds.lowerBound) to \(Self.windowSeconds.upperBound) seconds, not \(seconds)")
        }
        if !name.isEmpty {
            do {
                _ = try PairingRecord(publicKey: stations.identity.publicKey, name: name)
            } catch {
                throw CardDaemonError(.pairingInProgress, "\(error.detail): give another --name")
            }
        }
        do {
            try windowTimer?.arm(after: duration)
        } catch {
            throw CardDaemonError(.eventLoopFailed, "cannot time the pairing window: \(error.detail)")
        }
        self.name = name.isEmpty ? nil : name
        isOpen = true
        journal.log("pairing window open for \(seconds) s")
        update(Status(state: .open))
    }

    /// A PAIRING message from the station on the current connection; `send` carries the card's answers on it.
    /// False when no window is open for it (the window closed after the station connected): drop the connection.
    public func receive(_ message: [UInt8], send: @escaping ([UInt8]) -> Void) -> Bool {
        guard isOpen else { return false }
        if ceremony == nil {
            ceremony = Ceremony(
                machine: PairingStateMachine(
                    role: .card, staticKey: stations.identity.keyPair, random: random, configuration: configuration),
                send: send, peer: nil)
        }
        perform(ceremony?.machine.receive(message, now: now()) ?? [])
        noteThePeer(from: message)
        return true
    }

    /// The connection carrying the ceremony is gone: the ceremony fails (the window closes with it).
    public func connectionLost() {
        guard ceremony != nil else { return }
        finish(failure: "the station disconnected during pairing; nothing was paired: pair again")
    }

    /// The user says the station shows `code`: refused unless a code is shown; a different code fails the
    /// ceremony (codeMismatch, ABORT to the station).
    public func confirm(code: PairingCode) throws(CardDaemonError) {
        guard ceremony != nil, status.state == .code else {
            throw CardDaemonError(.noPairingInProgress, "no pairing code is shown: start pairing with `pivlink-card pair`")
        }
        perform(ceremony?.machine.confirm(code: code) ?? [])
    }

    /// The user says the codes differ.
    public func reject() throws(CardDaemonError) {
        guard ceremony != nil, status.state == .code else {
            throw CardDaemonError(.noPairingInProgress, "no pairing code is shown: nothing to reject")
        }
        perform(ceremony?.machine.reject() ?? [])
    }

    /// Closes the window, failing a ceremony in progress.
    public func cancel() throws(CardDaemonError) {
        guard isOpen else {
            throw CardDaemonError(.noPairingInProgress, "no pairing window is open: nothing to cancel")
        }
        if ceremony != nil {
            perform(ceremony?.machine.cancel() ?? [])
        } else {
            finish(failure: "pairing cancelled; nothing was paired")
        }
    }

    /// The window bounds the wait for a station; a ceremony that started in it runs on under its own deadlines
    /// (10 s per message, 120 s for the users to compare codes), so a user reading the code as the window ends is
    /// not cut off. No other station gets in meanwhile (`acceptsPairing`).
    private func windowExpired() {
        guard isOpen, ceremony == nil else { return }
        finish(failure: "no station paired while the pairing window was open: run `pivlink pair` on the workstation while it is")
    }

    private func perform(_ actions: [PairingAction]) {
        for action in actions {
            guard let ceremony else { return }
            switch action {
            case .send(let bytes):
                ceremony.send(bytes)
            case .showCode(let code):
                var shown = status
                shown.state = .code
                shown.code = code.digits
                update(shown)
            case .armTimer(let deadline):
                do {
                    try ceremonyTimer?.arm(at: MonotonicInstant(microseconds: 0).advanced(by: deadline))
                } catch {
                    perform(self.ceremony?.machine.cancel() ?? [])
                }
            case .paired(let key):
                paired(key)
            case .fail(let error):
                finish(failure: error.detail)
            }
        }
    }

    /// The station's key, from the START the machine accepted (the ceremony goes on only if it did).
    private func noteThePeer(from message: [UInt8]) {
        guard var ceremony, ceremony.peer == nil, case .start(let bytes)? = try? PairingMessage(decoding: message),
            let key = try? PairingPublicKey(bytes: bytes)
        else { return }
        ceremony.peer = key.fingerprint
        self.ceremony = ceremony
        var shown = status
        shown.peer = key.fingerprint.description
        update(shown)
    }

    private func paired(_ key: PairingPublicKey) {
        let record: PairingRecord
        do {
            record = try PairingRecord(publicKey: key, name: name ?? "station \(key.fingerprint)")
            try stations.add(record)
        } catch {
            finish(failure: "the pairing could not be stored (\(error)); nothing was paired")
            return
        }
        let line = "paired with station \(record.fingerprint) (\(record.name))"
        journal.log(line, fields: ["PIVLINK_STATION_KEY": record.fingerprint.description])
        end(Status(state: .paired, peer: record.fingerprint.description, result: line))
    }

    private func finish(failure reason: String) {
        journal.log("pairing failed: \(reason)")
        end(Status(state: .failed, peer: status.peer, result: reason))
    }

    private func end(_ final: Status) {
        let carried = ceremony != nil
        ceremony = nil
        isOpen = false
        name = nil
        windowTimer?.cancel()
        ceremonyTimer?.cancel()
        update(final)
        if carried {
            onCeremonyEnded()
        }
    }

    private func update(_ new: Status) {
        guard new != status else { return }
        status = new
        onChange()
    }

    private func now() -> Duration {
        MonotonicInstant(microseconds: 0).duration(to: loop.now())
    }
}
