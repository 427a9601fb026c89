import CardDaemon
import EventLoop

/// The card as `VPCDServer` sees it on the station: an `AsyncCardSession` whose every call goes to the
/// `Manager`, which answers APDUs from the response cache or over the link.
final class RelayedCardSession: AsyncCardSession {
    let atr: [UInt8]
    private unowned let manager: Manager

    init(atr: [UInt8], manager: Manager) {
        self.atr = atr
        self.manager = manager
    }

    func powerOn(now: MonotonicInstant) { manager.readerEvent(.powerOn) }

    func powerOff(now: MonotonicInstant) { manager.readerEvent(.powerOff) }

    func reset(now: MonotonicInstant) { manager.readerEvent(.reset) }

    func disconnected(now: MonotonicInstant) { manager.readerEvent(.disconnected) }

    func process(_ command: [UInt8], now: MonotonicInstant, reply: @escaping ([UInt8]) -> Void) {
        manager.readerAPDU(command, reply: reply)
    }

    /// The card's own deadlines (the PIN idle timeout) run on the card, not here.
    var nextDeadline: MonotonicInstant? { nil }

    func tick(now: MonotonicInstant) {}
}
