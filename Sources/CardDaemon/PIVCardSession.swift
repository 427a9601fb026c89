import EventLoop
import PIVCard

/// Serves a `PIVCard` to a transport shell: every way the card can leave the session — power-off, reset,
/// removal — ends the session's privileges, as a card's RAM is lost.
public final class PIVCardSession: CardSession {
    private let card: PIVCard

    public init(card: PIVCard) {
        self.card = card
    }

    public var atr: [UInt8] { PIVCard.atr }

    public func powerOn(now: MonotonicInstant) {}

    public func powerOff(now: MonotonicInstant) { card.endSession() }

    public func reset(now: MonotonicInstant) { card.endSession() }

    public func disconnected(now: MonotonicInstant) { card.endSession() }

    public func process(_ command: [UInt8], now: MonotonicInstant) -> [UInt8] {
        card.process(command, now: Self.duration(now))
    }

    public var nextDeadline: MonotonicInstant? {
        card.nextDeadline.map { MonotonicInstant(microseconds: 0).advanced(by: $0) }
    }

    public func tick(now: MonotonicInstant) { card.tick(now: Self.duration(now)) }

    /// The card counts time as a duration since an arbitrary origin; the loop's origin is boot.
    private static func duration(_ instant: MonotonicInstant) -> Duration {
        MonotonicInstant(microseconds: 0).duration(to: instant)
    }
}
