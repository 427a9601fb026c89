import Proximity

/// Trace files: CSV with a header line starting `t,rssi` — time in seconds, RSSI in dBm, empty while the link is
/// down; further columns are ignored. Samples are connected-link readings.
public enum TraceCSV {
    /// The plausible range of a reported RSSI (dBm): HCI reports −127…+20.
    static let rssiRange = -127.0 ... 20.0

    /// Parses the text; `source` names the file in errors, which say which line is wrong and how.
    public static func parse(_ text: String, source: String = "trace") throws(ProximitySimulationError) -> Trace {
        func invalid(_ line: Int, _ what: String) -> ProximitySimulationError {
            ProximitySimulationError(.invalidTrace, "\(source) line \(line): \(what)")
        }
        var samples: [Trace.Sample] = []
        var sawHeader = false
        var lineNumber = 0
        // "\r\n" is one Character in Swift: both line ends split lines.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            var line = rawLine
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
            if fields.allSatisfy(\.isEmpty) { continue }
            guard sawHeader else {
                guard fields.count >= 2, fields[0] == "t", fields[1] == "rssi" else {
                    throw invalid(lineNumber, "the header must start with t,rssi (time in s, RSSI in dBm)")
                }
                sawHeader = true
                continue
            }
            guard fields.count >= 2 else {
                throw invalid(lineNumber, "expected t,rssi (an empty rssi when the link is down), got '\(line)'")
            }
            guard let time = Double(fields[0]), time.isFinite, time >= 0 else {
                throw invalid(lineNumber, "t '\(fields[0])' is not a time in seconds (a number, 0 or more)")
            }
            if let previous = samples.last, time < previous.time {
                throw invalid(lineNumber, "t \(fields[0]) goes back in time (the previous line has \(previous.time))")
            }
            var rssi: Double?
            if !fields[1].isEmpty {
                guard let value = Double(fields[1]), rssiRange.contains(value) else {
                    throw invalid(lineNumber, "rssi '\(fields[1])' is not an RSSI in dBm from −127 to 20 (or empty: link down)")
                }
                rssi = value
            }
            samples.append(Trace.Sample(time: time, rssi: rssi))
        }
        guard sawHeader else { throw invalid(max(lineNumber, 1), "the file is empty: expected a header line t,rssi") }
        guard let last = samples.last else { throw invalid(lineNumber, "no samples after the header") }
        return Trace(source: .connection, samples: samples, duration: last.time)
    }

    private static func trimmed(_ field: Substring) -> Substring {
        var field = field
        while let first = field.first, first == " " || first == "\t" { field = field.dropFirst() }
        while let last = field.last, last == " " || last == "\t" { field = field.dropLast() }
        return field
    }
}
