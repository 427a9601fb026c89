import CardCrypto
import EventLoop
import Pairing

/// The station's side of one pairing ceremony (`PairingStateMachine`, role station) on the event loop: the card's
/// pairing messages in (`receive`, from `LinkCentralAction.pairingMessage`), its own out through `send` (to
/// `LinkCentralStateMachine.sendPairing`), the user's decisions in (`confirm`, `reject`, `cancel`), the one timer
/// the machine asks for kept here. `finished` is called once, with the card's key or why the ceremony died;
/// `onChange` after anything `phase` or `peer` depend on changed.
final class StationPairingSession {
    private var machine: PairingStateMachine
    private let loop: EventLoop
    private var timer: TimerSource?
    private let send: ([UInt8]) -> Void
    private let finished: (Result<PairingPublicKey, PairingError>) -> Void
    var onChange: () -> Void = {}
    /// The card's key as its COMMIT gave it, before the ceremony vouched for it: for `PairingPeer` only.
    private(set) var peer: PairingPublicKey?
    private var isOver = false

    init(
        staticKey: X25519KeyPair, random: some RandomSource, loop: EventLoop,
        configuration: PairingStateMachine.Configuration, send: @escaping ([UInt8]) -> Void,
        finished: @escaping (Result<PairingPublicKey, PairingError>) -> Void
    ) throws(StationDaemonError) {
        machine = PairingStateMachine(role: .station, staticKey: staticKey, random: random, configuration: configuration)
        self.loop = loop
        self.send = send
        self.finished = finished
        do {
            timer = try loop.makeTimer { [weak self] in
                guard let self else { return }
                perform(machine.handleTimer(now: now()))
            }
        } catch {
            throw StationDaemonError(.eventLoopFailed, "cannot create the pairing timer: \(error.detail)")
        }
    }

    deinit {
        timer?.cancel()
    }

    var phase: PairingPhase { machine.phase }

    /// The code both sides show, while the users compare them.
    var code: PairingCode? {
        if case .comparingCodes(let code, _, _) = machine.phase { code } else { nil }
    }

    /// Sends START: the connection to the card in pairing mode is up.
    func start() {
        perform(machine.start(now: now()))
    }

    func receive(_ bytes: [UInt8]) {
        if peer == nil, case .commit(let key, _)? = try? PairingMessage(decoding: bytes) {
            peer = try? PairingPublicKey(bytes: key)
        }
        perform(machine.receive(bytes, now: now()))
    }

    /// The user says the card shows `code`; a different code fails the ceremony (`codeMismatch`, ABORT to the card).
    func confirm(_ code: PairingCode) {
        perform(machine.confirm(code: code))
    }

    func reject() {
        perform(machine.reject())
    }

    /// Ends the ceremony (the user gave up, the time is up, the link went away); nothing after it is finished.
    func cancel() {
        perform(machine.cancel())
    }

    private func now() -> Duration {
        MonotonicInstant(microseconds: 0).duration(to: loop.now())
    }

    private func perform(_ actions: [PairingAction]) {
        guard !isOver else { return }
        for action in actions {
            switch action {
            case .send(let bytes):
                send(bytes)
            case .showCode:
                break
            case .armTimer(let deadline):
                do {
                    try timer?.arm(at: MonotonicInstant(microseconds: 0).advanced(by: deadline))
                } catch {
                    // Without its timer the ceremony could wait forever: end it.
                    return perform(machine.cancel())
                }
            case .paired(let key):
                finish(.success(key))
            case .fail(let error):
                finish(.failure(error))
            }
        }
        onChange()
    }

    private func finish(_ result: Result<PairingPublicKey, PairingError>) {
        isOver = true
        timer?.cancel()
        finished(result)
    }
}
