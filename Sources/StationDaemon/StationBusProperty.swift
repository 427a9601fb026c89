import DBus
import Proximity

/// The properties of `org.pivlink.Station1`, in the order introspection lists them: how each is read from a
/// `StationStatus` and back. `StationBusService` serves them; `pivlink status` reads them (`--json` uses the names).
public enum StationBusProperty: String, DBusStatusProperty {
    /// `s`: near, uncertain, away or lost.
    case state = "State"
    /// `s`: the fingerprint of the card the station serves or last recognised, "" while none.
    case device = "Device"
    /// `n`: the filtered RSSI in dBm, `rssiNotHeard` while the device is not heard.
    case rssi = "RSSI"
    /// `b`: the link to the card is connected.
    case linkUp = "LinkUp"
    /// `b`: the card is in pcscd.
    case cardPresent = "CardPresent"
    /// `s`: why the station last locked the session, "" before the first lock.
    case lastLockReason = "LastLockReason"
    /// `t`: when it last locked, µs since the epoch; 0 before the first lock.
    case lastLockTime = "LastLockTime"
    /// `t`: until when auto-lock is paused, µs since the epoch; 0 when it is not paused.
    case autoLockPausedUntil = "AutoLockPausedUntil"
    /// `s`: the station's own fingerprint.
    case fingerprint = "Fingerprint"
    /// `a(ss)`: the paired cards, (fingerprint, name) each.
    case pairings = "Pairings"
    /// `s`: idle, searching, code, paired or failed (`StationPairingState`).
    case pairingState = "PairingState"
    /// `s`: the six digits to compare while the state is code, "" otherwise.
    case pairingCode = "PairingCode"
    /// `s`: the fingerprint of the card in the ceremony, "" if none.
    case pairingPeer = "PairingPeer"
    /// `s`: one line on how the last ceremony ended, "" before it did.
    case pairingResult = "PairingResult"

    /// HCI's "RSSI not available" (127), which no real reading takes: readings are clamped to −127…20 dBm, the
    /// range HCI reports.
    public static let rssiNotHeard: Int16 = 127
    private static let rssiRange: ClosedRange<Double> = -127...20
    private static let pairingType = DBusType.structure([.string, .string])

    public var type: DBusType {
        switch self {
        case .state, .device, .lastLockReason, .fingerprint, .pairingState, .pairingCode, .pairingPeer, .pairingResult:
            .string
        case .pairings: .array(Self.pairingType)
        case .rssi: .int16
        case .linkUp, .cardPresent: .boolean
        case .lastLockTime, .autoLockPausedUntil: .uint64
        }
    }

    public func value(of status: StationStatus) -> DBusValue {
        switch self {
        case .state: .string(status.state.rawValue)
        case .device: .string(status.device)
        case .rssi: .int16(status.rssi.flatMap(Self.wholeDBm) ?? Self.rssiNotHeard)
        case .linkUp: .boolean(status.isLinkUp)
        case .cardPresent: .boolean(status.isCardPresent)
        case .lastLockReason: .string(status.lastLockReason ?? "")
        case .lastLockTime: .uint64(status.lastLockTime ?? 0)
        case .autoLockPausedUntil: .uint64(status.pausedUntil ?? 0)
        case .fingerprint: .string(status.fingerprint)
        case .pairings:
            .array(Self.pairingType, status.pairings.map { .structure([.string($0.fingerprint), .string($0.name)]) })
        case .pairingState: .string(status.pairingState.rawValue)
        case .pairingCode: .string(status.pairingCode)
        case .pairingPeer: .string(status.pairingPeer)
        case .pairingResult: .string(status.pairingResult)
        }
    }

    /// The status the properties describe (`GetAll`'s answer). The RSSI comes back rounded to whole dBm.
    public static func status(from properties: [String: DBusValue]) throws(StationDaemonError) -> StationStatus {
        func read<Value>(_ property: Self, _ accessor: (DBusValue) -> Value?) throws(StationDaemonError) -> Value {
            guard let value = properties[property.rawValue].flatMap(accessor) else {
                throw StationDaemonError(
                    .busFailed,
                    "the station's \(property.rawValue) is missing or not of type '\(property.type.signature)': update pivlink to the station's version")
            }
            return value
        }
        let stateName = try read(.state, \.string)
        guard let state = PresenceState(rawValue: stateName) else {
            throw StationDaemonError(.busFailed, "the station reports an unknown State '\(stateName)': update pivlink to the station's version")
        }
        var status = StationStatus(device: try read(.device, \.string))
        status.state = state
        let rssi = try read(.rssi, \.int16)
        status.rssi = rssi == rssiNotHeard ? nil : Double(rssi)
        status.isLinkUp = try read(.linkUp, \.boolean)
        status.isCardPresent = try read(.cardPresent, \.boolean)
        let reason = try read(.lastLockReason, \.string)
        status.lastLockReason = reason.isEmpty ? nil : reason
        let lockTime = try read(.lastLockTime, \.uint64)
        status.lastLockTime = lockTime == 0 ? nil : lockTime
        let pausedUntil = try read(.autoLockPausedUntil, \.uint64)
        status.pausedUntil = pausedUntil == 0 ? nil : pausedUntil
        status.fingerprint = try read(.fingerprint, \.string)
        status.pairings = try read(.pairings) { value in
            guard case .array(Self.pairingType, let elements) = value else { return nil }
            let pairings = elements.compactMap { element -> StationStatus.Pairing? in
                guard let members = element.structureMembers, members.count == 2,
                    let fingerprint = members[0].string, let name = members[1].string
                else { return nil }
                return StationStatus.Pairing(fingerprint: fingerprint, name: name)
            }
            return pairings.count == elements.count ? pairings : nil
        }
        let pairingStateName = try read(.pairingState, \.string)
        guard let pairingState = StationPairingState(rawValue: pairingStateName) else {
            throw StationDaemonError(.busFailed, "the station reports an unknown PairingState '\(pairingStateName)': update pivlink to the station's version")
        }
        status.pairingState = pairingState
        status.pairingCode = try read(.pairingCode, \.string)
        status.pairingPeer = try read(.pairingPeer, \.string)
        status.pairingResult = try read(.pairingResult, \.string)
        return status
    }

    /// A level in whole dBm within HCI's range; nil for a value that is not a number.
    static func wholeDBm(_ dBm: Double) -> Int16? {
        guard dBm.isFinite else { return nil }
        return Int16(min(max(dBm.rounded(), rssiRange.lowerBound), rssiRange.upperBound))
    }
}
