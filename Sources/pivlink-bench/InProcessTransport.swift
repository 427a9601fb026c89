import PIVCard

/// Path (a): the card application called directly, with a monotonic clock as the card's `now`.
final class InProcessTransport: CardTransport {
    private let card: PIVCard
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init(card: PIVCard) {
        self.card = card
        origin = clock.now
    }

    func transmit(_ command: [UInt8]) -> [UInt8] {
        card.process(command, now: origin.duration(to: clock.now))
    }
}
