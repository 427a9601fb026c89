import EventLoop

/// The card as the vpcd shell sees it: the only way `VPCDServer` reaches the card application.
///
/// All calls come from the event loop's thread, one at a time, with `now` read from the loop's clock
/// (`CLOCK_MONOTONIC`, see `MonotonicInstant`). The shell owns no card logic: it forwards vpcd's control
/// events and APDUs, tells the card when the connection goes away, and wakes the card at its own deadlines.
public protocol CardSession: AnyObject {
    /// The answer-to-reset vpcd reads on every presence poll: 2 to 33 bytes (vpcd's `MAX_ATR_SIZE`).
    /// Read once when the server starts; the shell answers vpcd's polls itself, every 400 ms.
    var atr: [UInt8] { get }

    /// vpcd powered the card on (`ctrl 01`): after insertion and at the first `SCardConnect`.
    func powerOn(now: MonotonicInstant)

    /// vpcd powered the card off (`ctrl 00`): pcscd does this after reading the ATR and when idle.
    func powerOff(now: MonotonicInstant)

    /// vpcd reset the card (`ctrl 02`), e.g. `SCardDisconnect(SCARD_RESET_CARD)` as libykpiv does at exit.
    func reset(now: MonotonicInstant)

    /// The vpcd connection closed, on either side: to PC/SC the card was removed.
    func disconnected(now: MonotonicInstant)

    /// Processes one C-APDU and returns the full R-APDU, data followed by SW1 SW2.
    /// A reply shorter than two bytes or longer than 0xFFFF bytes cannot travel over vpcd; the shell sends
    /// `6F 00` instead (see `VPCDConnectionStateMachine.sendResponse(_:)`).
    func process(_ command: [UInt8], now: MonotonicInstant) -> [UInt8]

    /// The card's own next deadline (e.g. the PIN idle timeout), or nil for none. The shell reads it after
    /// every call into the card and arms one timer for it; when the timer fires it calls `tick(now:)`.
    var nextDeadline: MonotonicInstant? { get }

    /// The deadline from `nextDeadline` has passed (`now >= deadline`). Afterwards `nextDeadline` must be
    /// nil or later than `now`, or the shell would call again at once.
    func tick(now: MonotonicInstant)
}
