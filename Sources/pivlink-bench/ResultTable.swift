import Foundation

/// The benchmark's table: ops/s per path, the ratios (a)/(c) and (b)/(a), and what the card and the PC/SC
/// path add per operation and per APDU.
enum ResultTable {
    static func render(_ rows: [CardBenchmark.Row]) -> String {
        let header = [
            pad("operation", 22), pad("APDUs", 5, right: true),
            pad(BenchPath.inProcess.label, 16, right: true), pad(BenchPath.pcsc.label, 16, right: true),
            pad(BenchPath.openSSL.label, 16, right: true),
            pad("(a)/(c)", 18, right: true), pad("(b)/(a)", 18, right: true),
            pad("card µs/op", 11, right: true), pad("PC/SC µs/APDU", 14, right: true),
        ]
        var lines = [header.joined(separator: " "), String(repeating: "-", count: 22 + 5 + 3 * 16 + 2 * 18 + 11 + 14 + 8)]
        for row in rows {
            let a = row.measurements[.inProcess]
            let b = row.measurements[.pcsc]
            let c = row.measurements[.openSSL]
            let cells = [
                pad(row.workload, 22), pad("\(row.apdus)", 5, right: true),
                pad(rate(a), 16, right: true), pad(rate(b), 16, right: true), pad(rate(c), 16, right: true),
                pad(ratio(a, c), 18, right: true), pad(ratio(b, a), 18, right: true),
                pad(microseconds(added: a, over: c, per: 1), 11, right: true),
                pad(microseconds(added: b, over: a, per: row.apdus), 14, right: true),
            ]
            lines.append(cells.joined(separator: " "))
        }
        lines += [
            "",
            "ops/s ± half the range of the per-round rates; ratios: overall [lowest–highest per round].",
            "card µs/op = 1/(a) − 1/(c): what the card application adds to the OpenSSL call (APDU parsing, TLV,",
            "checks); negative means below the noise. PC/SC µs/APDU = (1/(b) − 1/(a)) / APDUs: one round trip",
            "client → pcscd → vpcd → pivlink-card and back.",
        ]
        return lines.joined(separator: "\n")
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
        let overall = String(format: "%.3g", numerator.rate / denominator.rate)
        let perRound = zip(numerator.roundRates, denominator.roundRates).map { $0 / $1 }
        guard perRound.count >= 2, let low = perRound.min(), let high = perRound.max() else { return overall }
        return overall + String(format: " [%.2g–%.2g]", low, high)
    }

    private static func microseconds(added slower: Measurement?, over faster: Measurement?, per count: Int) -> String {
        guard let slower, let faster, slower.rate > 0, faster.rate > 0, count > 0 else { return "–" }
        return String(format: "%.1f", (1e6 / slower.rate - 1e6 / faster.rate) / Double(count))
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let gap = String(repeating: " ", count: max(0, width - text.count))
        return right ? gap + text : text + gap
    }
}
