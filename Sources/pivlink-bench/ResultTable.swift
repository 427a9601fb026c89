import Foundation

/// The benchmarks' tables. card: ops/s per path, the ratios (a)/(c) and (b)/(a), and what the card and the PC/SC
/// path add per operation and per APDU. channel: the same exchange in the clear and over the secure channel.
enum ResultTable {
    /// Titles and widths; the first column is left-aligned, the others right-aligned.
    private static func columns(_ route: ReaderRoute) -> [(title: String, width: Int)] {
        [
            ("operation", 22), ("APDUs", 5),
            (BenchPath.inProcess.label, 16), (route.pathLabel, 16), (BenchPath.openSSL.label, 16),
            ("(a)/(c)", 20), ("(b)/(a)", 24), ("card µs/op", 11), (route.perAPDULabel, max(14, route.perAPDULabel.count + 1)),
        ]
    }

    static func render(_ rows: [CardBenchmark.Row], route: ReaderRoute) -> String {
        let columns = columns(route)
        let width = columns.map(\.width).reduce(columns.count - 1, +)
        func line(_ cells: [String]) -> String { Self.line(cells, columns) }
        var lines = [line(columns.map(\.title)), String(repeating: "-", count: width)]
        for row in rows {
            let a = row.measurements[.inProcess]
            let b = row.measurements[.pcsc]
            let c = row.measurements[.openSSL]
            lines.append(line([
                row.workload, "\(row.apdus)", rate(a), rate(b), rate(c), ratio(a, c), ratio(b, a),
                microseconds(added: a, over: c, per: 1), microseconds(added: b, over: a, per: row.apdus),
            ]))
        }
        lines += [
            "",
            "ops/s ± half the range of the per-round rates; ratios: overall [lowest–highest per round].",
            "card µs/op = 1/(a) − 1/(c): what the card application adds to the OpenSSL call (APDU parsing, TLV,",
            "checks); negative means below the noise. \(route.perAPDULabel) = (1/(b) − 1/(a)) / APDUs: one round trip",
            "\(route.roundTrip) and back.",
        ]
        return lines.joined(separator: "\n")
    }

    /// `pivlink-bench channel`: per operation and MTU, ops/s and µs per APDU in the clear and over the secure
    /// channel, what the channel adds per APDU, and the ratio of the times.
    static func render(_ rows: [ChannelCommand.Row]) -> String {
        let columns: [(title: String, width: Int)] = [
            ("operation", 20), ("MTU", 4), ("APDUs", 5), ("bytes", 5), ("plaintext /s", 13), ("secure /s", 13),
            ("plaintext µs/APDU", 17), ("secure µs/APDU", 14), ("added µs/APDU", 13), ("secure/plaintext", 22),
        ]
        let width = columns.map(\.width).reduce(columns.count - 1, +)
        var lines = [line(columns.map(\.title), columns), String(repeating: "-", count: width)]
        for row in rows {
            let plaintext = row.measurements[.plaintext]
            let secure = row.measurements[.secure]
            let apdus = row.apdus ?? 1
            let counts: [String] = [row.apdus, row.answerBytes].map { count in count.map { "\($0)" } ?? "–" }
            let figures: [String] = [
                rate(plaintext), rate(secure), microseconds(plaintext, per: apdus), microseconds(secure, per: apdus),
                microseconds(added: secure, over: plaintext, per: apdus), ratio(plaintext, secure),
            ]
            lines.append(line([row.operation, "\(row.mtu)"] + counts + figures, columns))
        }
        lines += [
            "",
            "ops/s ± half the range of the per-round rates; µs/APDU = 1/(ops/s) / APDUs; added = secure − plaintext;",
            "secure/plaintext = the ratio of the times, overall [lowest–highest per round]. bytes: the whole answer.",
            "connect rows count connections, not APDUs: µs per connection (plaintext: both machines set up; secure:",
            "that plus two ephemeral X25519 keys and the Noise IK handshake both ways).",
        ]
        return lines.joined(separator: "\n")
    }

    private static func line(_ cells: [String], _ columns: [(title: String, width: Int)]) -> String {
        zip(cells, columns).enumerated().map { index, pair in
            let (text, column) = pair
            let gap = String(repeating: " ", count: max(0, column.width - text.count))
            return index == 0 ? text + gap : gap + text
        }.joined(separator: " ")
    }

    private static func rate(_ measurement: Measurement?) -> String {
        guard let measurement else { return "–" }
        let spread = measurement.spread.map { String(format: " ±%.0f%%", $0 * 100) } ?? ""
        return String(format: "%.0f", measurement.rate) + spread
    }

    /// The ratio of the overall rates, then the range of the per-round ratios: each round measures both cells
    /// within a second of each other, so drift in the machine's load cancels in them.
    private static func ratio(_ numerator: Measurement?, _ denominator: Measurement?) -> String {
        guard let numerator, let denominator, denominator.rate > 0 else { return "–" }
        let overall = ratioText(numerator.rate / denominator.rate, digits: 3)
        let perRound = zip(numerator.roundRates, denominator.roundRates).map { $0 / $1 }
        guard perRound.count >= 2, let low = perRound.min(), let high = perRound.max() else { return overall }
        return overall + " [\(ratioText(low, digits: 2))–\(ratioText(high, digits: 2))]"
    }

    /// Significant digits from 0.1 up; below, "1/N", which reads better than 0.000615; whole numbers once the
    /// digits run out, which read better than 6.4e+02.
    private static func ratioText(_ value: Double, digits: Int) -> String {
        guard value > 0 else { return "0" }
        if value < 0.1 { return String(format: "1/%.0f", 1 / value) }
        return value < pow(10, Double(digits)) ? String(format: "%.\(digits)g", value) : String(format: "%.0f", value)
    }

    private static func microseconds(_ measurement: Measurement?, per count: Int) -> String {
        guard let measurement, measurement.rate > 0, count > 0 else { return "–" }
        return String(format: "%.2f", 1e6 / measurement.rate / Double(count))
    }

    private static func microseconds(added slower: Measurement?, over faster: Measurement?, per count: Int) -> String {
        guard let slower, let faster, slower.rate > 0, faster.rate > 0, count > 0 else { return "–" }
        return String(format: "%.1f", (1e6 / slower.rate - 1e6 / faster.rate) / Double(count))
    }
}
