/// Which side of a pairing this is. The station starts the ceremony (initiator), the card answers (responder).
public enum PairingRole: Hashable, Sendable {
    case station
    case card
}
