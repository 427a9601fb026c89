import EventLoop
import Link

/// Answers the link's requests with a `CardSession`, the way vpcd's control bytes and APDUs reach it:
/// POWER_ON, POWER_OFF and RESET are vpcd's `01`, `00` and `02` (POWER_OFF and RESET end the PIV session),
/// APDU is an APDU, and GET_CREDENTIAL_VERSION reads the credential's version.
struct LinkCardAdapter {
    let card: any CardSession
    let credentialVersion: () -> UInt64

    /// The final answer to `request`, which the card works out at once.
    func answer(_ request: LinkMessage, now: MonotonicInstant) -> LinkMessage {
        switch request {
        case .apdu(let command):
            return .response(card.process(command, now: now))
        case .powerOn:
            card.powerOn(now: now)
            return .atr(card.atr)
        case .powerOff:
            card.powerOff(now: now)
            return .poweredOff
        case .reset:
            card.reset(now: now)
            return .atr(card.atr)
        case .getCredentialVersion:
            return .credentialVersion(credentialVersion())
        case .ping, .unpair, .cancel, .pong, .response, .atr, .poweredOff, .credentialVersion, .unpaired, .error, .keepalive:
            // The state machine answers PING itself and hands over requests only; UNPAIR is not the card
            // application's to answer (the BLE server that knows the station does).
            return .error(.invalidCommand)
        }
    }
}
