import EventLoop

/// The card as `VPCDServer` drives it, when the card may answer an APDU later rather than at once: the
/// station's card is across the radio, and its answer arrives on the event loop some milliseconds on.
///
/// The calls and their rules are `CardSession`'s, but for `process`, which hands the answer to `reply` instead
/// of returning it. `SynchronousCardSession` adapts a `CardSession`, which answers at once.
public protocol AsyncCardSession: AnyObject {
    /// The answer-to-reset vpcd reads on every presence poll, 2 to 33 bytes; read once when the server starts.
    var atr: [UInt8] { get }

    func powerOn(now: MonotonicInstant)

    func powerOff(now: MonotonicInstant)

    func reset(now: MonotonicInstant)

    /// The vpcd connection closed: to PC/SC the card was removed. An answer still owed is then dropped.
    func disconnected(now: MonotonicInstant)

    /// Processes one C-APDU and calls `reply` exactly once with the full R-APDU (data followed by SW1 SW2), from
    /// within this call or later on the loop's thread. vpcd sends nothing else until the reply.
    func process(_ command: [UInt8], now: MonotonicInstant, reply: @escaping ([UInt8]) -> Void)

    /// The card's own next deadline, or nil for none; see `CardSession.nextDeadline`.
    var nextDeadline: MonotonicInstant? { get }

    func tick(now: MonotonicInstant)
}

/// A `CardSession`, which answers every APDU at once, as an `AsyncCardSession`.
public final class SynchronousCardSession: AsyncCardSession {
    private let card: any CardSession

    public init(_ card: any CardSession) {
        self.card = card
    }

    public var atr: [UInt8] { card.atr }

    public func powerOn(now: MonotonicInstant) { card.powerOn(now: now) }

    public func powerOff(now: MonotonicInstant) { card.powerOff(now: now) }

    public func reset(now: MonotonicInstant) { card.reset(now: now) }

    public func disconnected(now: MonotonicInstant) { card.disconnected(now: now) }

    public func process(_ command: [UInt8], now: MonotonicInstant, reply: @escaping ([UInt8]) -> Void) {
        reply(card.process(command, now: now))
    }

    public var nextDeadline: MonotonicInstant? { card.nextDeadline }

    public func tick(now: MonotonicInstant) { card.tick(now: now) }
}
