import FuzzSupport
import Link

/// The card's machine on a secure connection, fed the genuine station's message 1 and records of its requests
/// (made by the real station machine), altered, lost, reordered and replayed as the input says, with raw fragments,
/// injected clear frames and time. Checked:
/// - message 2 goes only to a paired station, once the genuine message 1 was fed whole (the handshake frames'
///   transaction id is not authenticated: message 2 echoes message 1's, whatever it is);
/// - `.channelOpen` comes once, naming the station's key, only after message 2 and as the fragments of a genuine
///   record of the station are fed (key confirmation: the station proved it holds the session's keys);
/// - before it the card sends only a 5-byte clear ERROR, that message 2, or (after it) a sealed ERROR about
///   fragments it could not read; after it only records, or the clear
///   ERROR CHANNEL_FAILED right before `.channelFailed`; after `.channelFailed` nothing at all;
/// - `.process` comes only with the channel open, for the fragments of a genuine record fed exactly, whose request
///   it is byte for byte, each record at most once and in the order the station sealed them; `.cancelProcessing`
///   only for a genuine CANCEL record while the card works;
/// - `.pairingMessage` only in pairing mode before the channel opens; timers never in the past.
struct SecureCardRun {
    private let input: SecureLinkInput

    init(_ bytes: [UInt8]) { input = SecureLinkInput(bytes) }

    private struct Model {
        var now = Duration.zero
        var timer: Duration?
        var sentMessage2 = false
        var opened = false
        var failed = false
        var processing: LinkMessage?
        var lastProcessed = -1
        var trail = FragmentTrail()
        /// The genuine station's batches by their fragments: the order it sent them in, and the message each seals.
        var genuine: [[[UInt8]]: (index: Int, message: LinkMessage?)] = [:]
    }

    func check() {
        let fixture = input.fixture
        var card = LinkPeripheralStateMachine(info: SecureLinkFixture.info)
        var station = fixture.stationOpen
        var courier = Courier()
        var model = Model()
        let security = SecureLinkFixture.cardSecurity(fixture.rekeying, paired: !input.unpaired, acceptsPairing: input.acceptsPairing)
        guard let first = try? card.connect(mtu: fixture.mtu, security: security, now: .zero) else {
            invariant(false, "the card refused MTU \(fixture.mtu)")
            return
        }
        apply(first, to: &model)
        model.genuine[fixture.message1] = (courier.enqueue(fixture.message1), nil)

        func feed(_ fragments: [[UInt8]]) {
            for fragment in fragments {
                model.trail.record(fragment)
                apply(card.receive(fragment: fragment, now: model.now), to: &model)
            }
        }
        func stationSent(_ actions: [LinkCentralAction], sealing message: LinkMessage) {
            for case .send(let fragments) in actions {
                model.genuine[fragments] = (courier.enqueue(fragments), message)
            }
        }

        for event in input.events {
            switch event {
            case .fragment(let bytes):
                feed([bytes])
            case .wait(let duration):
                let end = model.now + duration
                while let deadline = model.timer, deadline <= end {
                    model.now = deadline
                    model.timer = nil
                    apply(card.handleTimer(now: model.now), to: &model)
                }
                model.now = end
            case .deliver(let delivery):
                feed(courier.take(delivery))
            case .request(let selector):
                if station.isBusy { stationSent(station.cancel(now: model.now), sealing: .cancel) }
                let request = Exchange.request(selector)
                stationSent(station.send(request, now: model.now), sealing: request)
            case .inject(let kind, let transaction):
                feed(InjectedFrame.fragments(kind: kind, transaction: transaction, fragmentSize: fixture.fragmentSize, genuineHandshake: fixture.message1))
            case .finish:
                guard let request = model.processing else { continue }
                model.processing = nil
                apply(card.finish(Exchange.answer(to: request), now: model.now), to: &model)
            case .cancel:
                stationSent(station.cancel(now: model.now), sealing: .cancel)
            }
            invariant(card.isProcessing == (model.processing != nil), "isProcessing disagrees with the requests handed out")
        }
    }

    private func apply(_ actions: [LinkPeripheralAction], to model: inout Model) {
        let fixture = input.fixture
        for (position, action) in actions.enumerated() {
            let next = actions.dropFirst(position + 1).first
            switch action {
            case .armTimer(let deadline):
                invariant(deadline >= model.now, "a timer armed in the past")
                model.timer = deadline
                continue
            case .disarmTimer:
                model.timer = nil
                continue
            case .send, .process, .cancelProcessing, .pairingMessage, .channelOpen, .channelFailed:
                invariant(!model.failed, "the card went on after .channelFailed: \(action)")
            }
            switch action {
            case .send(let fragments):
                guard let sent = SentFrame(fragments, fragmentSize: fixture.fragmentSize, from: "card") else { continue }
                let clear = sent.clearError != nil && fragments.count == 1 && fragments[0].count == 5
                if !model.opened {
                    if fragments.matchesHandshake(fixture.message2) {
                        invariant(!input.unpaired, "an unpaired station got message 2")
                        invariant(!model.sentMessage2, "a second message 2")
                        invariant(model.trail.fragments.matchesHandshake(fixture.message1), "message 2 without the genuine message 1")
                        model.sentMessage2 = true
                    } else if !(model.sentMessage2 && sent.frame.command == .record) {
                        // After message 2 the session's keys exist: a fragment error is answered sealed, as later.
                        invariant(clear, "before the channel opened the card sent \(sent.frame.command) (\(fragments.count) fragments)")
                    }
                } else if sent.frame.command != .record {
                    invariant(clear && sent.clearError == .channelFailed, "with the channel open the card sent \(sent.frame.command) in the clear")
                    if case .channelFailed = next {} else { invariant(false, "a clear ERROR without .channelFailed") }
                }
            case .channelOpen(let stationKey):
                invariant(!model.opened, "a second .channelOpen")
                invariant(!input.unpaired, "an unpaired station opened a channel")
                invariant(stationKey == SecureLinkFixture.stationKey, "the channel opened with another station's key")
                invariant(model.sentMessage2, "the channel opened before message 2")
                invariant(model.genuine[model.trail.fragments]?.message != nil, "the channel opened on fragments that are not a genuine record")
                model.opened = true
            case .channelFailed:
                let told = position > 0 && { if case .send(let fragments) = actions[position - 1] { fragments.count == 1 && fragments[0].count == 5 && fragments[0][0] == 0xBF } else { false } }()
                invariant(told, ".channelFailed without a clear ERROR to the station")
                model.failed = true
            case .process(let request):
                invariant(model.opened, "\(request.command) processed before the channel opened")
                invariant(model.processing == nil, "a second request reached a busy card")
                guard let record = model.genuine[model.trail.fragments] else {
                    invariant(false, "\(request.command) processed from fragments the station never sent: \(model.trail.fragments.map(\.hex))")
                    continue
                }
                invariant(record.message == request, "the station sealed \(String(describing: record.message)), the card processed \(request)")
                invariant(record.index > model.lastProcessed, "record \(record.index) processed after record \(model.lastProcessed)")
                model.lastProcessed = record.index
                model.processing = request
            case .cancelProcessing:
                invariant(model.opened && model.processing != nil, "a cancel with no request in progress")
                invariant(model.genuine[model.trail.fragments]?.message == .cancel, "a cancel from fragments that are not the station's CANCEL")
            case .pairingMessage:
                invariant(input.acceptsPairing && !model.opened, "a pairing message outside pairing mode")
            case .armTimer, .disarmTimer:
                break
            }
        }
    }
}
