import Pairing

/// A station and a card machine joined back to back, as the shells would join them over the link: every `.send`
/// of one is the other's `receive`, in order. It records what each side showed, sent and ended with.
struct Ceremony {
    static let stationNonce = [UInt8](repeating: 0x11, count: 32)
    static let cardNonce = [UInt8](repeating: 0x22, count: 32)

    var station: PairingStateMachine
    var card: PairingStateMachine
    var now: Duration = .seconds(1000)
    private(set) var stationActions: [PairingAction] = []
    private(set) var cardActions: [PairingAction] = []
    /// Every message in the order it went over the link, with the side that sent it.
    private(set) var wire: [(from: PairingRole, bytes: [UInt8])] = []

    init(
        station: PairingStateMachine = PairingStateMachine(role: .station, staticKey: TestKeys.station, random: FixedRandom(stationNonce)),
        card: PairingStateMachine = PairingStateMachine(role: .card, staticKey: TestKeys.card, random: FixedRandom(cardNonce))
    ) {
        self.station = station
        self.card = card
    }

    /// The station starts; messages flow until both sides show their code (or one fails).
    mutating func exchangeKeys() {
        let actions = station.start(now: now)
        deliver(actions, from: .station)
    }

    mutating func confirmStation(_ code: PairingCode) {
        let actions = station.confirm(code: code)
        deliver(actions, from: .station)
    }

    mutating func confirmCard(_ code: PairingCode) {
        let actions = card.confirm(code: code)
        deliver(actions, from: .card)
    }

    mutating func deliver(_ actions: [PairingAction], from side: PairingRole) {
        switch side {
        case .station: stationActions += actions
        case .card: cardActions += actions
        }
        for case .send(let bytes) in actions {
            wire.append((side, bytes))
            switch side {
            case .station:
                let reply = card.receive(bytes, now: now)
                deliver(reply, from: .card)
            case .card:
                let reply = station.receive(bytes, now: now)
                deliver(reply, from: .station)
            }
        }
    }

    var stationCode: PairingCode? { shownCode(in: stationActions) }
    var cardCode: PairingCode? { shownCode(in: cardActions) }

    private func shownCode(in actions: [PairingAction]) -> PairingCode? {
        for case .showCode(let code) in actions { return code }
        return nil
    }
}

/// The error of the `.fail` action in `actions`, if any.
func failure(in actions: [PairingAction]) -> PairingError? {
    for case .fail(let error) in actions { return error }
    return nil
}

/// The messages `actions` sends, decoded.
func sentMessages(in actions: [PairingAction]) -> [PairingMessage] {
    actions.compactMap { action in
        guard case .send(let bytes) = action else { return nil }
        return try? PairingMessage(decoding: bytes)
    }
}
