import FuzzSupport
import Link

/// The station's machine on a secure connection, fed the genuine card's message 2 and records (made by the real
/// card machine, which gets the station's own writes unaltered), altered, lost, reordered and replayed as the input
/// says, with raw fragments, injected clear frames and time. Checked:
/// - `.channelOpen` comes once, only once the genuine message 2 was fed whole (its transaction id aside);
/// - the station writes only records, and only with the channel open; the genuine card opens every one of them;
/// - `.deliver` and `.progress` come only with the channel open, for the fragments of a genuine record of the card
///   fed exactly, whose answer (or KEEPALIVE) it is, each record at most once and in the order the card sealed them;
/// - after `.channelFailed` nothing but timer changes; timers never in the past.
struct SecureStationRun {
    private let input: SecureLinkInput

    init(_ bytes: [UInt8]) { input = SecureLinkInput(bytes) }

    private struct Model {
        var now = Duration.zero
        var stationTimer: Duration?
        var cardTimer: Duration?
        var opened = false
        var cardConfirmed = false
        var failed = false
        var request: LinkMessage?
        var cardProcessing: LinkMessage?
        var lastDelivered = -1
        var trail = FragmentTrail()
        /// The genuine card's batches by their fragments: the order it sent them in, and the message each seals.
        var genuine: [[[UInt8]]: (index: Int, message: LinkMessage?)] = [:]
    }

    func check() {
        let fixture = input.fixture
        var station = fixture.stationAwaitingResponse
        var card = fixture.cardOpen
        var courier = Courier()
        var model = Model()
        model.stationTimer = fixture.stationHandshakeDeadline
        model.genuine[fixture.message2] = (courier.enqueue(fixture.message2), nil)

        func cardSent(_ actions: [LinkPeripheralAction], sealing message: LinkMessage?) {
            for action in actions {
                switch action {
                case .send(let fragments): model.genuine[fragments] = (courier.enqueue(fragments), message)
                case .process(let request): model.cardProcessing = request
                case .armTimer(let deadline): model.cardTimer = deadline
                case .disarmTimer: model.cardTimer = nil
                case .cancelProcessing: break
                case .channelOpen:
                    // Key confirmation, at the station's first record.
                    invariant(!model.cardConfirmed, "the genuine card confirmed the station twice")
                    model.cardConfirmed = true
                case .channelFailed, .pairingMessage:
                    invariant(false, "the genuine card, fed only the station's writes, raised \(action)")
                }
            }
        }
        func stationActed(_ actions: [LinkCentralAction]) {
            for action in actions {
                verify(action, in: &model)
                guard case .send(let fragments) = action else { continue }
                // What the card sends while it reads the station's write: a PONG, or BUSY while it works.
                let answer: LinkMessage? =
                    if card.isProcessing { .error(.busy) } else if case .ping(let bytes) = model.request { .pong(bytes) } else { nil }
                for fragment in fragments {
                    cardSent(card.receive(fragment: fragment, now: model.now), sealing: answer)
                }
            }
        }
        func feed(_ fragments: [[UInt8]]) {
            for fragment in fragments {
                model.trail.record(fragment)
                stationActed(station.receive(fragment: fragment, now: model.now))
            }
        }

        for event in input.events {
            switch event {
            case .fragment(let bytes):
                feed([bytes])
            case .wait(let duration):
                let end = model.now + duration
                while let deadline = [model.stationTimer, model.cardTimer].compactMap({ $0 }).min(), deadline <= end {
                    model.now = deadline
                    if model.cardTimer == deadline {
                        model.cardTimer = nil
                        cardSent(card.handleTimer(now: deadline), sealing: .keepalive(.processing))
                    }
                    if model.stationTimer == deadline {
                        model.stationTimer = nil
                        stationActed(station.handleTimer(now: deadline))
                    }
                }
                model.now = end
            case .deliver(let delivery):
                feed(courier.take(delivery))
            case .request(let selector):
                guard station.isReady else { continue }
                model.request = Exchange.request(selector)
                stationActed(station.send(Exchange.request(selector), now: model.now))
            case .inject(let kind, let transaction):
                feed(InjectedFrame.fragments(kind: kind, transaction: transaction, fragmentSize: fixture.fragmentSize, genuineHandshake: fixture.message2))
            case .finish:
                guard let request = model.cardProcessing else { continue }
                model.cardProcessing = nil
                let answer = Exchange.answer(to: request)
                cardSent(card.finish(answer, now: model.now), sealing: answer)
            case .cancel:
                stationActed(station.cancel(now: model.now))
            }
            invariant(station.isBusy == (model.request != nil), "isBusy disagrees with the requests in flight")
        }
    }

    private func verify(_ action: LinkCentralAction, in model: inout Model) {
        switch action {
        case .armTimer(let deadline):
            invariant(deadline >= model.now, "a timer armed in the past")
            model.stationTimer = deadline
            return
        case .disarmTimer:
            model.stationTimer = nil
            return
        case .send, .deliver, .progress, .fail, .pairingMessage, .channelOpen, .channelFailed:
            invariant(!model.failed, "the station went on after .channelFailed: \(action)")
        }
        switch action {
        case .send(let fragments):
            invariant(model.opened, "the station wrote before the channel opened")
            let sent = SentFrame(fragments, fragmentSize: input.fixture.fragmentSize, from: "station")
            invariant(sent?.frame.command == .record, "the station wrote \(String(describing: sent?.frame.command)), not a record")
        default:
            break
        }
        switch action {
        case .deliver(let answer):
            checkGenuine(answer, in: &model)
            model.request = nil
        case .progress(let status):
            checkGenuine(.keepalive(status), in: &model)
        case .fail:
            model.request = nil
        case .channelOpen:
            invariant(!model.opened, "a second .channelOpen")
            invariant(model.trail.fragments.matchesHandshake(input.fixture.message2), "the channel opened without the genuine message 2")
            model.opened = true
        case .channelFailed:
            invariant(model.request == nil, ".channelFailed with a request still in flight")
            model.failed = true
        case .pairingMessage:
            invariant(false, "a pairing message on a secure connection")
        case .send, .armTimer, .disarmTimer:
            break
        }
    }

    private func checkGenuine(_ message: LinkMessage, in model: inout Model) {
        invariant(model.opened, "\(message.command) reached the station before the channel opened")
        guard let record = model.genuine[model.trail.fragments] else {
            invariant(false, "\(message.command) from fragments the card never sent: \(model.trail.fragments.map(\.hex))")
            return
        }
        invariant(record.message == message, "the card sealed \(String(describing: record.message)), the station took \(message)")
        invariant(record.index > model.lastDelivered, "record \(record.index) taken after record \(model.lastDelivered)")
        model.lastDelivered = record.index
    }
}
