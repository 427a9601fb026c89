import Proximity
import Yams

/// station.conf's `proximity:` section: the walk-away lock's thresholds (dB below the seated baseline), the
/// receiver's floor (dBm), times (seconds) and round-trip ceiling (`rtt_ceiling`, milliseconds), each optional with
/// `ProximitySettings`' default; `signal`, the connected link's RSSI source (`ConnectionSignal`); and
/// `rtt_interval`, how often the station measures the link's round trip. Config/station.conf documents every key.
public enum ProximityConfig {
    /// The YAML keys, each with its setting.
    private static var drops: [(key: String, path: WritableKeyPath<ProximitySettings, Double>)] {
        [
            ("near_drop", \.nearDrop), ("uncertain_drop", \.uncertainDrop), ("away_drop", \.awayDrop),
            ("fall_drop", \.fallDrop),
        ]
    }
    private static var times: [(key: String, path: WritableKeyPath<ProximitySettings, Duration>)] {
        [
            ("filter_window", \.filterWindow), ("away_dwell", \.awayDwell), ("near_dwell", \.nearDwell),
            ("fall_window", \.fallWindow), ("fall_loss_delay", \.fallLossDelay),
            ("uncertain_loss_timeout", \.uncertainLossTimeout), ("uncertain_loss_window", \.uncertainLossWindow),
            ("link_loss_timeout", \.linkLossTimeout), ("rebase_after", \.rebaseAfter),
            ("baseline_time_constant", \.baselineTimeConstant), ("advertisement_timeout", \.advertisementTimeout),
        ]
    }
    private static let floorKey = "loss_floor"
    private static let countKey = "dwell_samples"
    private static let signalKey = "signal"
    private static let ceilingKey = "rtt_ceiling"
    private static let intervalKey = "rtt_interval"

    /// How often the station pings the card to measure the link's round trip, when the config does not say: often
    /// enough that a relay shows within seconds, seldom enough that the PINGs cost the phone nothing that shows.
    public static let defaultRoundTripInterval = Duration.seconds(2)
    public static let roundTripIntervalRange = Duration.milliseconds(500) ... Duration.seconds(60)

    static var keys: [String] {
        drops.map(\.key) + times.map(\.key) + [floorKey, countKey, signalKey, ceilingKey, intervalKey]
    }

    /// The `signal` setting of a `proximity:` node (`.kernel` when absent); `settings` checks the node's shape.
    public static func signal(_ node: Node?, source: String) throws(StationDaemonError) -> ConnectionSignal {
        guard let value = node?.mapping?[signalKey] else { return .kernel }
        guard let text = value.string, let signal = ConnectionSignal(rawValue: text) else {
            throw StationDaemonError(
                .invalidConfig,
                "\(source): proximity.signal '\(value.string ?? "?")' must be one of \(ConnectionSignal.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return signal
    }

    /// The `rtt_interval` setting of a `proximity:` node (`defaultRoundTripInterval` when absent); `settings` checks
    /// the node's shape.
    public static func roundTripInterval(_ node: Node?, source: String) throws(StationDaemonError) -> Duration {
        guard let value = node?.mapping?[intervalKey] else { return defaultRoundTripInterval }
        let range = roundTripIntervalRange
        guard let text = value.string, let seconds = Double(text), seconds.isFinite,
              range.contains(.microseconds(Int64((seconds * 1e6).rounded())))
        else {
            throw StationDaemonError(
                .invalidConfig,
                "\(source): proximity.\(intervalKey) '\(value.string ?? "?")' must be a number of seconds from \(number(range.lowerBound / .seconds(1))) to \(number(range.upperBound / .seconds(1)))")
        }
        return .microseconds(Int64((seconds * 1e6).rounded()))
    }

    /// The settings of a `proximity:` node (nil: all defaults); `source` names the file in errors.
    public static func settings(_ node: Node?, source: String) throws(StationDaemonError) -> ProximitySettings {
        func invalid(_ what: String) -> StationDaemonError {
            StationDaemonError(.invalidConfig, "\(source): \(what)")
        }
        var settings = ProximitySettings()
        guard let node else { return settings }
        guard let mapping = node.mapping else {
            throw invalid("'proximity' must hold settings such as 'away_drop: 22'; known: \(keys.sorted().joined(separator: ", "))")
        }
        for (key, value) in mapping {
            guard let name = key.string, keys.contains(name) else {
                throw invalid("unknown setting 'proximity.\(key.string ?? "?")'; known: \(keys.sorted().map { "proximity." + $0 }.joined(separator: ", "))")
            }
            guard let text = value.string, !text.isEmpty else { throw invalid("'proximity.\(name)' must be a single value") }
            if name == signalKey || name == intervalKey { continue }
            if let drop = drops.first(where: { $0.key == name }) {
                guard let number = Double(text), number.isFinite else {
                    throw invalid("proximity.\(name) '\(text)' must be a number of dB below the seated baseline")
                }
                settings[keyPath: drop.path] = number
            } else if let time = times.first(where: { $0.key == name }) {
                guard let number = Double(text), number.isFinite, number >= 0, number <= 86400 else {
                    throw invalid("proximity.\(name) '\(text)' must be a number of seconds")
                }
                settings[keyPath: time.path] = .microseconds(Int64((number * 1e6).rounded()))
            } else if name == ceilingKey {
                let range = ProximitySettings.roundTripCeilingRange
                guard let milliseconds = Double(text), milliseconds.isFinite,
                      range.contains(.microseconds(Int64((milliseconds * 1e3).rounded())))
                else {
                    throw invalid("proximity.\(name) '\(text)' must be a number of milliseconds from \(number(range.lowerBound / .milliseconds(1))) to \(number(range.upperBound / .milliseconds(1)))")
                }
                settings.roundTripCeiling = .microseconds(Int64((milliseconds * 1e3).rounded()))
            } else if name == floorKey {
                guard let level = Double(text), level.isFinite else {
                    throw invalid("proximity.\(name) '\(text)' must be a level in dBm")
                }
                settings.lossFloor = level
            } else {
                guard let count = Int(text) else { throw invalid("proximity.\(name) '\(text)' must be a whole number") }
                settings.dwellSamples = count
            }
        }
        do {
            try settings.validate()
        } catch {
            throw invalid("proximity: \(error.detail)")
        }
        return settings
    }

    /// `value` without a fraction when it has none: 60, not 60.0.
    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
