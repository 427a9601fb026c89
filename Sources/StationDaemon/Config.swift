import CardDaemon
import Foundation
import Proximity
import Yams

/// pivlink-station's settings, read from `/etc/pivlink/station.conf` (YAML; example in Config/station.conf).
///
/// The cards the station serves are the ones paired with it (`pivlink pair`, kept in `StationPairingStore`), found
/// by their private advertising tokens: the old `device:` address is refused, so that a config written for the
/// unpaired station does not seem to still choose the card.
public struct Config: Hashable, Sendable {
    public static let defaultPath = "/etc/pivlink/station.conf"

    /// The adapter the station connects from, e.g. `hci0`.
    public var adapter: String
    /// The vpcd pcscd listens on for the card (Config/reader.conf.d/pivlink: 127.0.0.1:36123).
    public var vpcdHost: String
    public var vpcdPort: UInt16
    public var connectTimeout: Duration
    public var setupTimeout: Duration
    /// The longest silence from the card while it owes an answer (link protocol: response timeout).
    public var responseTimeout: Duration
    /// The longest one request may take, keepalives or not (link protocol: transaction timeout).
    public var transactionTimeout: Duration
    /// Whether the station answers what it may from its cache of the card's answers (`ResponseCache`); off, every
    /// command crosses the radio.
    public var responseCache: Bool
    /// The walk-away lock's thresholds and times (the `proximity:` section; `ProximityConfig`).
    public var proximity: ProximitySettings
    /// Where the connected link's RSSI comes from (`proximity.signal`; `ProximityConfig.signal`).
    public var proximitySignal: ConnectionSignal
    /// How often the station measures the link's round trip with a PING (`proximity.rtt_interval`;
    /// `ProximityConfig.roundTripInterval`).
    public var roundTripInterval: Duration
    /// Whose session the walk-away lock locks, and how long to wait for the desktop's confirmation (the `lock:`
    /// section; `LockConfig`).
    public var lock: LockSettings

    private static let settings: Set<String> = ["adapter", "vpcd", "cache", "timeouts", "proximity", "lock"]
    private static let timeoutSettings: Set<String> = ["connect", "setup", "response", "transaction"]

    /// Reads the file at `path`.
    public static func load(path: String) throws(StationDaemonError) -> Config {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw StationDaemonError(
                .unreadableConfig,
                "cannot read \(path) (\((error as NSError).localizedFailureReason ?? error.localizedDescription)): copy Config/station.conf there, or pass --config FILE")
        }
        return try Config(yaml: text, source: path)
    }

    /// Reads the YAML text of a station.conf; `source` names it in errors.
    public init(yaml: String, source: String = "station.conf") throws(StationDaemonError) {
        func invalid(_ what: String) -> StationDaemonError {
            StationDaemonError(.invalidConfig, "\(source): \(what)")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw invalid("not valid YAML (\(String(describing: error).split(separator: "\n").first ?? ""))")
        }
        // An empty file (or one of comments only) keeps every default.
        let top: Node.Mapping
        if let node {
            guard let mapping = node.mapping else { throw invalid("expected settings such as 'adapter: hci0'") }
            top = mapping
        } else {
            top = Node.Mapping([])
        }
        if top["device"] != nil {
            throw invalid(Self.deviceGone)
        }
        let values = try Self.strings(top, allowed: Self.settings, where: "", invalid)

        adapter = values["adapter"] ?? "hci0"
        guard !adapter.isEmpty, adapter.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw invalid("adapter '\(adapter)' is not an adapter name like hci0")
        }

        do {
            (vpcdHost, vpcdPort) = try VPCDServer.Mode.parseEndpoint(values["vpcd"] ?? "127.0.0.1:36123")
        } catch {
            throw invalid(error.detail)
        }

        switch values["cache"] ?? "true" {
        case "true": responseCache = true
        case "false": responseCache = false
        case let other: throw invalid("cache '\(other)' must be true or false")
        }

        var timeouts: [String: String] = [:]
        if let timeoutNode = top["timeouts"] {
            guard let mapping = timeoutNode.mapping else { throw invalid("'timeouts' must hold connect, setup, response and transaction") }
            timeouts = try Self.strings(mapping, allowed: Self.timeoutSettings, where: "timeouts.", invalid)
        }
        func seconds(_ key: String, default value: Double, range: ClosedRange<Double>) throws(StationDaemonError) -> Duration {
            guard let text = timeouts[key] else { return .milliseconds(Int64(value * 1000)) }
            guard let number = Double(text), range.contains(number) else {
                throw invalid("timeouts.\(key) '\(text)' must be a number of seconds from \(range.lowerBound) to \(range.upperBound)")
            }
            return .milliseconds(Int64(number * 1000))
        }
        connectTimeout = try seconds("connect", default: 30, range: 1...300)
        setupTimeout = try seconds("setup", default: 20, range: 1...300)
        responseTimeout = try seconds("response", default: 2, range: 0.6...60)
        transactionTimeout = try seconds("transaction", default: 60, range: 1...600)
        proximity = try ProximityConfig.settings(top["proximity"], source: source)
        proximitySignal = try ProximityConfig.signal(top["proximity"], source: source)
        roundTripInterval = try ProximityConfig.roundTripInterval(top["proximity"], source: source)
        lock = try LockConfig.settings(top["lock"], source: source)
    }

    /// The scalar settings of a mapping; unknown keys and non-scalar values are errors.
    private static func strings(
        _ mapping: Node.Mapping, allowed: Set<String>, where prefix: String, _ invalid: (String) -> StationDaemonError
    ) throws(StationDaemonError) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.string, allowed.contains(name) else {
                throw invalid("unknown setting '\(prefix)\(key.string ?? "?")'; known: \(allowed.sorted().map { prefix + $0 }.joined(separator: ", "))")
            }
            if name == "timeouts" || name == "proximity" || name == "lock" { continue }
            guard let text = value.string else { throw invalid("'\(prefix)\(name)' must be a single value") }
            values[name] = text
        }
        return values
    }

    /// Why `device:` is refused, and what to do instead.
    static let deviceGone =
        "'device' is gone: the station finds its cards by pairing, not by address; delete the line and pair the card with `pivlink pair`"
}
