import DBus
import Foundation
import StationDaemon

/// How `pivlink status` prints the station's properties: readable lines, or one JSON object.
enum StatusReport {
    /// One line per fact, labels aligned.
    static func lines(_ status: StationStatus, nowMicroseconds: UInt64) -> String {
        let autoLock: String
        if let until = status.pausedUntil, until > nowMicroseconds {
            let minutes = (until - nowMicroseconds + 59_999_999) / 60_000_000
            autoLock = "paused until \(time(until)) (\(minutes) min left; pivlink resume ends it)"
        } else {
            autoLock = "on"
        }
        let lastLock: String
        if let time = status.lastLockTime {
            lastLock = "\(Self.time(time)): \(status.lastLockReason ?? "no reason given")"
        } else {
            lastLock = "none since the station started"
        }
        let pairings =
            status.pairings.isEmpty
            ? "none (pair a card with `pivlink pair`)"
            : status.pairings.map { "\($0.fingerprint) (\($0.name))" }.joined(separator: ", ")
        var rows = [
            ("fingerprint", status.fingerprint),
            ("pairings", pairings),
            ("card", status.device.isEmpty ? "none recognised" : status.device),
            ("presence", status.state.rawValue),
            ("signal", status.rssi.map { "\(Int($0.rounded())) dBm (filtered)" } ?? "not heard"),
            ("link", status.isLinkUp ? "up" : "down"),
            ("pcscd", status.isCardPresent ? "card in pcscd" : "card not in pcscd"),
            ("auto-lock", autoLock),
            ("last lock", lastLock),
        ]
        if status.pairingState != .idle {
            let detail = status.pairingState == .code ? " \(status.pairingCode) (card \(status.pairingPeer))" : ""
            let result = status.pairingResult.isEmpty ? "" : ": \(status.pairingResult)"
            rows.append(("pairing", status.pairingState.rawValue + detail + result))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in
            "\(label):" + String(repeating: " ", count: width - label.count + 1) + value
        }.joined(separator: "\n")
    }

    /// The properties as one JSON object (Foundation's encoder, keys sorted); RSSI is null when not heard. The
    /// values must have their declared types (`StationBusProperty.status(from:)` checks them).
    static func json(_ properties: [String: DBusValue]) -> String {
        var object: [String: Any] = [:]
        for property in StationBusProperty.allCases {
            object[property.rawValue] =
                switch properties[property.rawValue] {
                case .string(let string): string
                case .boolean(let boolean): boolean
                case .int16(StationBusProperty.rssiNotHeard) where property == .rssi: NSNull()
                case .int16(let number): Int(number)
                case .uint64(let number): number
                case .array(_, let elements) where property == .pairings:
                    elements.map { element -> [String: String] in
                        let members = element.structureMembers ?? []
                        return ["fingerprint": members.first?.string ?? "", "name": members.last?.string ?? ""]
                    }
                default: NSNull()
                }
        }
        // Strings, booleans, integers and null only: JSONSerialization cannot fail on them.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func nowMicroseconds() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1_000_000))
    }

    /// Local time, to the second.
    private static func time(_ microseconds: UInt64) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(microseconds) / 1_000_000))
    }
}
