import FuzzSupport
@_spi(Plaintext) import Link

/// The station's machine fed the input as the card's notifications, with requests (`04 N`), cancels (`02`),
/// reconnects and time. Checked: every request ends exactly once, by its final deadline at the latest; an answer is
/// delivered only if it answers the request; every batch the station writes reads back as the request or CANCEL;
/// nothing is written with no link, and nothing after a reconnect on behalf of a request from before it.
struct CentralRun {
    private static let requests: [LinkMessage] = [
        .apdu([0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]), .powerOn, .powerOff, .reset,
        .getCredentialVersion, .ping([0x01, 0x02, 0x03]),
    ]

    private let input: LinkFuzzInput

    init(_ bytes: [UInt8]) { input = LinkFuzzInput(bytes) }

    private struct Model {
        var now = Duration.zero
        var timer: Duration?
        var request: LinkMessage?
        var sentAt = Duration.zero
        var transactions: Set<UInt8> = []
    }

    func check() {
        let info = LinkInfo(maximumMessage: input.maximumMessage)
        let configuration = LinkCentralStateMachine.Configuration()
        var machine = LinkCentralStateMachine(configuration: configuration)
        guard let fragmentSize = try? info.fragmentSize(forMTU: input.mtu),
              let first = try? machine.connect(info: info, mtu: input.mtu, security: .plaintext, now: .zero) else {
            invariant(false, "the station refused MTU \(input.mtu)")
            return
        }
        let wire = LinkWireCheck(fragmentSize: fragmentSize, maximumMessage: input.maximumMessage)
        var model = Model()
        apply(first, to: &model, wire: wire)
        for event in input.events {
            switch event {
            case .fragment(let bytes):
                apply(machine.receive(fragment: bytes, now: model.now), to: &model, wire: wire)
            case .wait(let duration):
                let end = model.now + duration
                while let deadline = model.timer, deadline <= end {
                    model.now = deadline
                    model.timer = nil
                    apply(machine.handleTimer(now: model.now), to: &model, wire: wire)
                }
                model.now = end
            case .request(let selector):
                guard machine.isReady else { continue }
                let request = Self.requests[Int(selector) % Self.requests.count]
                model.request = request
                model.sentAt = model.now
                model.transactions = []
                apply(machine.send(request, now: model.now), to: &model, wire: wire)
            case .finishOrCancel:
                apply(machine.cancel(now: model.now), to: &model, wire: wire)
            case .reconnect:
                apply(machine.connectionLost(now: model.now), to: &model, wire: wire)
                invariant(model.request == nil, "a request outlived its link")
                guard let actions = try? machine.connect(info: info, mtu: input.mtu, security: .plaintext, now: model.now) else { return }
                apply(actions, to: &model, wire: wire)
            }
            invariant(machine.isBusy == (model.request != nil), "isBusy disagrees with the requests in flight")
            if model.request != nil {
                invariant(model.now <= model.sentAt + configuration.transactionTimeout, "a request outlived its final deadline")
            }
        }
    }

    private func apply(_ actions: [LinkCentralAction], to model: inout Model, wire: LinkWireCheck) {
        for action in actions {
            switch action {
            case .send(let fragments):
                guard let (message, transaction) = wire.message(in: fragments, from: "station") else { continue }
                invariant(transaction != 0, "the station used transaction 0")
                if message == .cancel {
                    invariant(model.transactions.contains(transaction), "CANCEL for a transaction not in flight")
                } else {
                    invariant(message == model.request, "the station wrote \(message.command), not its request")
                    model.transactions.insert(transaction)
                }
            case .deliver(let answer):
                guard let request = model.request else {
                    invariant(false, "an answer with no request in flight")
                    continue
                }
                invariant(answer.isFinalAnswer(to: request), "\(answer.command) delivered as the answer to \(request.command)")
                if case .error = answer { invariant(false, "an ERROR delivered as an answer") }
                model.request = nil
            case .fail:
                invariant(model.request != nil, "a failure with no request in flight")
                model.request = nil
            case .progress:
                invariant(model.request != nil, "progress with no request in flight")
            case .pairingMessage, .channelOpen, .channelFailed:
                invariant(false, "a connection in the clear raised \(action)")
            case .armTimer(let deadline):
                invariant(deadline >= model.now, "a timer armed in the past")
                model.timer = deadline
            case .disarmTimer:
                model.timer = nil
            }
        }
    }
}
