import DBus
import Pairing

/// What `org.pivlink.Card1` shows: the card's key, its pairings, the pairing window and the station being served.
public struct CardBusStatus: Hashable, Sendable {
    /// The card's own fingerprint.
    public var fingerprint: String
    /// The paired stations: fingerprint and name.
    public var pairings: [Pairing]
    public var pairing = CardPairingSession.Status()
    /// The fingerprint of the station whose channel is open, "" when none.
    public var station = ""

    public struct Pairing: Hashable, Sendable {
        public var fingerprint: String
        public var name: String

        public init(fingerprint: String, name: String) {
            self.fingerprint = fingerprint
            self.name = name
        }
    }

    public init(fingerprint: String, pairings: [Pairing] = []) {
        self.fingerprint = fingerprint
        self.pairings = pairings
    }

    /// The card's key and the records as the store lists them.
    public init(fingerprint: PairingFingerprint, records: [PairingRecord]) {
        self.init(
            fingerprint: fingerprint.description,
            pairings: records.map { Pairing(fingerprint: $0.fingerprint.description, name: $0.name) })
    }
}

/// The properties of `org.pivlink.Card1`, in the order introspection lists them: how each is read from a
/// `CardBusStatus` and back (`pivlink-card` reads them with `GetAll`).
public enum CardBusProperty: String, DBusStatusProperty {
    case fingerprint = "Fingerprint"
    case pairings = "Pairings"
    case pairingState = "PairingState"
    case pairingCode = "PairingCode"
    case pairingPeer = "PairingPeer"
    case pairingResult = "PairingResult"
    case station = "Station"

    static let pairingType = DBusType.structure([.string, .string])

    public var type: DBusType {
        switch self {
        case .pairings: .array(Self.pairingType)
        case .fingerprint, .pairingState, .pairingCode, .pairingPeer, .pairingResult, .station: .string
        }
    }

    public func value(of status: CardBusStatus) -> DBusValue {
        switch self {
        case .fingerprint: .string(status.fingerprint)
        case .pairings:
            .array(Self.pairingType, status.pairings.map { .structure([.string($0.fingerprint), .string($0.name)]) })
        case .pairingState: .string(status.pairing.state.rawValue)
        case .pairingCode: .string(status.pairing.code)
        case .pairingPeer: .string(status.pairing.peer)
        case .pairingResult: .string(status.pairing.result)
        case .station: .string(status.station)
        }
    }

    /// The status the properties describe (`GetAll`'s answer).
    public static func status(from properties: [String: DBusValue]) throws(CardDaemonError) -> CardBusStatus {
        func read(_ property: Self) throws(CardDaemonError) -> String {
            guard let value = properties[property.rawValue]?.string else { throw mismatch(property) }
            return value
        }
        guard case .array(_, let entries)? = properties[Self.pairings.rawValue] else { throw mismatch(.pairings) }
        var pairings: [CardBusStatus.Pairing] = []
        for entry in entries {
            guard case .structure(let fields) = entry, fields.count == 2, let fingerprint = fields[0].string,
                let name = fields[1].string
            else { throw mismatch(.pairings) }
            pairings.append(CardBusStatus.Pairing(fingerprint: fingerprint, name: name))
        }
        var status = CardBusStatus(fingerprint: try read(.fingerprint), pairings: pairings)
        let stateName = try read(.pairingState)
        guard let state = CardPairingSession.State(rawValue: stateName) else {
            throw CardDaemonError(.busFailed, "the card reports an unknown PairingState '\(stateName)': update pivlink-card")
        }
        status.pairing = CardPairingSession.Status(
            state: state, code: try read(.pairingCode), peer: try read(.pairingPeer), result: try read(.pairingResult))
        status.station = try read(.station)
        return status
    }

    private static func mismatch(_ property: Self) -> CardDaemonError {
        CardDaemonError(
            .busFailed,
            "the card's \(property.rawValue) is missing or not of type '\(property.type.signature)': update pivlink-card to the daemon's version")
    }
}
