import Link

/// The station's connection to the card's device over BlueZ, as a state machine without I/O: events in,
/// actions out (docs/link-protocol.md, "GATT service").
///
///     idle → locating → (discovering →) connecting → resolving → reading info → subscribing → ready
///
/// Each step after discovery has a deadline; a failed or late step disconnects and starts over after a backoff
/// (`ReconnectBackoff`), as does a link that drops once ready. Discovery itself waits as long as it takes: the
/// device is simply away. Every call takes `now`, a monotonic reading from any origin; the shell keeps the one
/// timer the actions ask for.
public struct StationLinkSession: Sendable {
    public struct Configuration: Hashable, Sendable {
        /// The longest `Device1.Connect` may take.
        public var connectTimeout: Duration
        /// The longest each later step (services, info, subscription) may take.
        public var setupTimeout: Duration
        /// The first wait before reconnecting, doubling up to `maximumBackoff`.
        public var initialBackoff: Duration
        public var maximumBackoff: Duration

        public init(
            connectTimeout: Duration = .seconds(30), setupTimeout: Duration = .seconds(20),
            initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(60)
        ) {
            self.connectTimeout = connectTimeout
            self.setupTimeout = setupTimeout
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    public enum Phase: Hashable, Sendable {
        case idle
        case locating
        case discovering
        case connecting
        case resolving
        case readingInfo
        case subscribing
        case ready
        /// Waiting until `retryAt` to start over.
        case backingOff
    }

    public let configuration: Configuration
    public private(set) var phase = Phase.idle
    /// The card's info, once read on this connection.
    public private(set) var info: LinkInfo?
    private var deadline: Duration?
    private var backoff: ReconnectBackoff

    /// `seed` drives the backoff's jitter.
    public init(configuration: Configuration = Configuration(), seed: UInt64) {
        self.configuration = configuration
        backoff = ReconnectBackoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff, seed: seed)
    }

    /// Starts looking for the device. Does nothing unless idle.
    public mutating func start(now: Duration) -> [StationLinkAction] {
        guard phase == .idle else { return [] }
        return begin()
    }

    /// Stops: discovery ends, the device is disconnected, nothing is retried.
    public mutating func stop() -> [StationLinkAction] {
        var actions: [StationLinkAction] = []
        switch phase {
        case .idle: return []
        case .discovering: actions.append(.stopDiscovery)
        case .ready: actions += [.linkDown("the station is stopping"), .disconnect]
        case .connecting, .resolving, .readingInfo, .subscribing: actions.append(.disconnect)
        case .locating, .backingOff: break
        }
        phase = .idle
        info = nil
        return actions + setDeadline(nil)
    }

    public mutating func handle(_ event: StationLinkEvent, now: Duration) -> [StationLinkAction] {
        switch (phase, event) {
        case (.locating, .deviceFound):
            return step(to: .connecting, [.connect], deadline: now + configuration.connectTimeout)
        case (.locating, .deviceAbsent):
            phase = .discovering
            return [.startDiscovery] + setDeadline(nil)
        case (.discovering, .deviceFound):
            return [.stopDiscovery] + step(to: .connecting, [.connect], deadline: now + configuration.connectTimeout)
        case (.connecting, .connected):
            return step(to: .resolving, [.resolveServices], deadline: now + configuration.setupTimeout)
        case (.resolving, .servicesResolved(let complete)):
            guard complete else {
                return fail(now: now, "the device has no complete pivlink service (898a0001-…): is pivlink-card serving on it?")
            }
            return step(to: .readingInfo, [.readInfo], deadline: now + configuration.setupTimeout)
        case (.readingInfo, .infoRead(let bytes)):
            do throws(LinkError) {
                let info = try LinkInfo(bytes: bytes)
                _ = try info.negotiatedVersion()
                self.info = info
            } catch {
                return fail(now: now, error.detail)
            }
            return step(to: .subscribing, [.subscribe], deadline: now + configuration.setupTimeout)
        case (.subscribing, .subscribed(let mtu)):
            guard let info else { return fail(now: now, "the card's info was lost before subscribing") }
            do throws(LinkError) {
                _ = try info.fragmentSize(forMTU: mtu)
            } catch {
                return fail(now: now, error.detail)
            }
            backoff.reset()
            phase = .ready
            return [.linkUp(info, mtu: mtu)] + setDeadline(nil)
        case (.ready, .disconnected(let reason)), (.ready, .failed(let reason)):
            return fail(now: now, reason, wasUp: true)
        case (.connecting, .failed(let reason)), (.resolving, .failed(let reason)), (.readingInfo, .failed(let reason)),
            (.subscribing, .failed(let reason)), (.locating, .failed(let reason)), (.discovering, .failed(let reason)),
            (.connecting, .disconnected(let reason)), (.resolving, .disconnected(let reason)),
            (.readingInfo, .disconnected(let reason)), (.subscribing, .disconnected(let reason)):
            return fail(now: now, reason)
        case (.idle, _), (.backingOff, _), (.locating, _), (.discovering, _), (.connecting, _), (.resolving, _),
            (.readingInfo, _), (.subscribing, _), (.ready, _):
            // Late answers to steps already abandoned, and repeats (ServicesResolved flapping, a second
            // deviceFound while connecting): nothing to do.
            return []
        }
    }

    /// The timer from the last `.armTimer` fired (early calls do nothing).
    public mutating func handleTimer(now: Duration) -> [StationLinkAction] {
        guard let deadline, now >= deadline else { return [] }
        self.deadline = nil
        switch phase {
        case .backingOff:
            return begin()
        case .connecting:
            return fail(now: now, "connecting took longer than \(configuration.connectTimeout)")
        case .resolving:
            return fail(now: now, "the device's services were not resolved within \(configuration.setupTimeout)")
        case .readingInfo:
            return fail(now: now, "reading the info characteristic took longer than \(configuration.setupTimeout)")
        case .subscribing:
            return fail(now: now, "subscribing took longer than \(configuration.setupTimeout)")
        case .idle, .locating, .discovering, .ready:
            return []
        }
    }

    private mutating func begin() -> [StationLinkAction] {
        info = nil
        phase = .locating
        return [.locateDevice] + setDeadline(nil)
    }

    private mutating func step(to next: Phase, _ actions: [StationLinkAction], deadline: Duration) -> [StationLinkAction] {
        phase = next
        return actions + setDeadline(deadline)
    }

    /// Gives up on this attempt (or on the link that was up), disconnects, and waits before starting over.
    private mutating func fail(now: Duration, _ reason: String, wasUp: Bool = false) -> [StationLinkAction] {
        var actions: [StationLinkAction] = []
        if wasUp { actions.append(.linkDown(reason)) }
        if phase == .discovering { actions.append(.stopDiscovery) }
        if phase != .locating && phase != .discovering { actions.append(.disconnect) }
        let delay = backoff.nextDelay()
        phase = .backingOff
        info = nil
        actions.append(.retrying(after: delay, reason: reason))
        return actions + setDeadline(now + delay)
    }
}

extension StationLinkSession {
    /// Moves the one deadline; arms or disarms the shell's timer only when it changed.
    fileprivate mutating func setDeadline(_ deadline: Duration?) -> [StationLinkAction] {
        guard deadline != self.deadline else { return [] }
        self.deadline = deadline
        return [deadline.map(StationLinkAction.armTimer(at:)) ?? .disarmTimer]
    }
}
