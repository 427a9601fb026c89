import Link
import StationCore
import Testing

@Suite("StationLinkSession")
struct StationLinkSessionTests {
    static let info = LinkInfo().bytes
    static let configuration = StationLinkSession.Configuration(
        connectTimeout: .seconds(30), setupTimeout: .seconds(20), initialBackoff: .seconds(1), maximumBackoff: .seconds(8))

    /// Runs a session through `events` at `now` and returns the last call's actions.
    static func session(through events: [StationLinkEvent], now: Duration = .seconds(10)) -> (StationLinkSession, [StationLinkAction]) {
        var session = StationLinkSession(configuration: configuration, seed: 7)
        var actions = session.start(now: now)
        for event in events { actions = session.handle(event, now: now) }
        return (session, actions)
    }

    static let toReady: [StationLinkEvent] = [
        .deviceFound, .connected, .servicesResolved(complete: true), .infoRead(info), .subscribed(mtu: 185),
    ]

    @Test("a known device: locate, connect, resolve, read info, subscribe, link up")
    func happyPath() {
        var session = StationLinkSession(configuration: Self.configuration, seed: 7)
        #expect(session.start(now: .seconds(10)) == [.locateDevice])
        #expect(session.handle(.deviceFound, now: .seconds(10)) == [.connect, .armTimer(at: .seconds(40))])
        #expect(session.handle(.connected, now: .seconds(11)) == [.resolveServices, .armTimer(at: .seconds(31))])
        #expect(session.handle(.servicesResolved(complete: true), now: .seconds(12)) == [.readInfo, .armTimer(at: .seconds(32))])
        #expect(session.handle(.infoRead(Self.info), now: .seconds(12)) == [.subscribe])
        #expect(session.handle(.subscribed(mtu: 185), now: .seconds(13)) == [.linkUp(LinkInfo(), mtu: 185), .disarmTimer])
        #expect(session.phase == .ready)
    }

    @Test("an unknown device is discovered first, and discovery waits as long as it takes")
    func discovery() {
        let (session, actions) = Self.session(through: [.deviceAbsent])
        #expect(actions == [.startDiscovery])
        #expect(session.phase == .discovering)
        var found = session
        #expect(found.handle(.deviceFound, now: .seconds(500)) == [.stopDiscovery, .connect, .armTimer(at: .seconds(530))])
    }

    @Test("a failed step disconnects and retries after a backoff that doubles, with jitter in its upper half")
    func backoff() {
        var (session, _) = Self.session(through: [.deviceFound])
        var now = Duration.seconds(10)
        var delays: [Duration] = []
        for _ in 0..<5 {
            let actions = session.handle(.failed("Connect: org.bluez.Error.Failed"), now: now)
            guard case .retrying(let delay, _)? = actions.first(where: { if case .retrying = $0 { true } else { false } })
            else {
                Issue.record("no retry in \(actions)")
                return
            }
            #expect(actions.first == .disconnect)
            #expect(actions.last == .armTimer(at: now + delay))
            delays.append(delay)
            now += delay
            #expect(session.handleTimer(now: now) == [.locateDevice])
            _ = session.handle(.deviceFound, now: now)
        }
        for (delay, base) in zip(delays, [1, 2, 4, 8, 8].map { Duration.seconds($0) }) {
            #expect(delay >= base / 2 && delay <= base)
        }
    }

    @Test("each step has a deadline; early timer calls do nothing")
    func timeouts() {
        var (session, _) = Self.session(through: [.deviceFound, .connected])
        #expect(session.handleTimer(now: .seconds(29)).isEmpty)
        let actions = session.handleTimer(now: .seconds(30))
        #expect(actions.first == .disconnect)
        #expect(session.phase == .backingOff)
    }

    @Test("a ready link that drops is reported down, then reconnected")
    func drop() {
        var (session, _) = Self.session(through: Self.toReady)
        let actions = session.handle(.disconnected("the card disconnected"), now: .seconds(20))
        #expect(actions.prefix(2) == [.linkDown("the card disconnected"), .disconnect])
        #expect(session.phase == .backingOff)
        #expect(session.info == nil)
    }

    @Test("a device without the pivlink service, bad info or a too small MTU is refused")
    func refusals() {
        for events: [StationLinkEvent] in [
            [.deviceFound, .connected, .servicesResolved(complete: false)],
            [.deviceFound, .connected, .servicesResolved(complete: true), .infoRead([1, 1, 0])],
            [.deviceFound, .connected, .servicesResolved(complete: true), .infoRead([9, 9, 2, 0, 0xFF, 0xFF, 0, 0, 0, 0])],
            [.deviceFound, .connected, .servicesResolved(complete: true), .infoRead(Self.info), .subscribed(mtu: 22)],
        ] {
            let (session, actions) = Self.session(through: events)
            #expect(session.phase == .backingOff, "\(events)")
            #expect(!actions.contains { if case .linkUp = $0 { true } else { false } })
        }
    }

    @Test("late answers of abandoned steps and repeats change nothing")
    func lateEvents() {
        var (session, _) = Self.session(through: Self.toReady)
        for event: StationLinkEvent in [.connected, .deviceFound, .servicesResolved(complete: true), .infoRead(Self.info), .subscribed(mtu: 23)] {
            #expect(session.handle(event, now: .seconds(11)).isEmpty)
        }
        #expect(session.phase == .ready)
    }

    @Test("stop ends discovery or the link, and nothing is retried")
    func stop() {
        var (ready, _) = Self.session(through: Self.toReady)
        #expect(ready.stop() == [.linkDown("the station is stopping"), .disconnect])
        var (discovering, _) = Self.session(through: [.deviceAbsent])
        #expect(discovering.stop() == [.stopDiscovery])
        #expect(discovering.phase == .idle)
        #expect(discovering.handleTimer(now: .seconds(1000)).isEmpty)
    }
}
