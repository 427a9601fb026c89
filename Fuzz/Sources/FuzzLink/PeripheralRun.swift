import FuzzSupport
@_spi(Plaintext) import Link

/// The card's machine fed the input as the station's fragments, with a card that answers when told (`02`) and
/// timers fired exactly at their deadlines while time passes. Checked: every batch the card sends reads back as
/// one station-bound message; a request reaches the card only when it is free, and a cancel only while it works;
/// keepalives go out at most 500 ms apart, for the request the card works on; timers are never armed in the past.
struct PeripheralRun {
    private let input: LinkFuzzInput

    init(_ bytes: [UInt8]) { input = LinkFuzzInput(bytes) }

    private struct Model {
        var now = Duration.zero
        var timer: Duration?
        var connected = true
        /// The request the card works on, and whether its link is still the one that brought it.
        var request: LinkMessage?
        var requestConnected = false
        var transaction: UInt8?
        /// The transaction of the last initial fragment: the one a completed request carries.
        var lastInitialTransaction: UInt8?
        var lastKeepalive = Duration.zero
    }

    func check() {
        let info = LinkInfo(maximumMessage: input.maximumMessage)
        var machine = LinkPeripheralStateMachine(info: info)
        guard let fragmentSize = try? info.fragmentSize(forMTU: input.mtu),
              let first = try? machine.connect(mtu: input.mtu, security: .plaintext, now: .zero) else {
            invariant(false, "a card refused MTU \(input.mtu)")
            return
        }
        let wire = LinkWireCheck(fragmentSize: fragmentSize, maximumMessage: input.maximumMessage)
        var model = Model()
        apply(first, to: &model, wire: wire)
        for event in input.events {
            switch event {
            case .fragment(let bytes):
                if bytes.count >= 2, bytes[0] & 0x80 != 0 { model.lastInitialTransaction = bytes[1] }
                apply(machine.receive(fragment: bytes, now: model.now), to: &model, wire: wire)
            case .wait(let duration):
                let end = model.now + duration
                while let deadline = model.timer, deadline <= end {
                    model.now = deadline
                    model.timer = nil
                    apply(machine.handleTimer(now: model.now), to: &model, wire: wire)
                }
                model.now = end
            case .finishOrCancel, .request:
                guard let request = model.request else { continue }
                apply(machine.finish(Self.answer(to: request), now: model.now), to: &model, wire: wire, finishing: true)
            case .reconnect:
                apply(machine.connectionLost(now: model.now), to: &model, wire: wire)
                model.connected = false
                model.requestConnected = false
                guard let actions = try? machine.connect(mtu: input.mtu, security: .plaintext, now: model.now) else { return }
                model.connected = true
                apply(actions, to: &model, wire: wire)
            }
            invariant(machine.isProcessing == (model.request != nil), "isProcessing disagrees with the requests handed out")
        }
    }

    private func apply(
        _ actions: [LinkPeripheralAction], to model: inout Model, wire: LinkWireCheck, finishing: Bool = false
    ) {
        if finishing {
            model.request = nil
            model.transaction = nil
        }
        for action in actions {
            switch action {
            case .send(let fragments):
                invariant(model.connected, "the card sent with no link")
                guard let (message, sentTransaction) = wire.message(in: fragments, from: "card") else { continue }
                invariant(!message.isRequest && message.command != .cancel, "the card sent \(message.command)")
                if case .keepalive = message {
                    invariant(model.requestConnected && sentTransaction == model.transaction, "a keepalive for no request in progress")
                    invariant(model.now - model.lastKeepalive <= .milliseconds(500), "keepalives \(model.now - model.lastKeepalive) apart")
                    model.lastKeepalive = model.now
                }
            case .process(let request):
                invariant(model.request == nil, "a second request reached a busy card")
                invariant(request.isRequest, "the card was handed \(request.command)")
                if case .ping = request { invariant(false, "PING reached the card") }
                model.request = request
                model.requestConnected = true
                model.transaction = model.lastInitialTransaction
                model.lastKeepalive = model.now
            case .cancelProcessing:
                invariant(model.requestConnected, "a cancel with no request in progress")
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

    private static func answer(to request: LinkMessage) -> LinkMessage {
        switch request {
        case .apdu(let command): .response(Array(command.suffix(300)) + [0x90, 0x00])
        case .powerOn, .reset: .atr([0x3B, 0x00])
        case .powerOff: .poweredOff
        case .getCredentialVersion: .credentialVersion(7)
        default: .error(.other)
        }
    }
}
