import ProximitySimulation

/// Scorecards as a text table or JSON lines.
enum ScoreTable {
    static func text(_ cards: [Scorecard], firstColumn: String, label: (Scorecard) -> String) -> String {
        let header = [firstColumn, "median", "p95", "never", "false locks/8 h", "targets"]
        let rows = cards.map { card in
            [
                label(card), seconds(card.medianTimeToLock), seconds(card.p95TimeToLock),
                "\(card.missedWalkAways)/\(card.walkAways)",
                "\(decimal(card.falseLocksPer8h, places: 3)) (\(card.falseLocks) in \(card.days) d)",
                card.meetsTargets ? "met" : "missed",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { cell, width in cell.leftAligned(width) }.joined(separator: "  ").trailingSpacesRemoved
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    static func json(_ card: Scorecard) -> String {
        func number(_ value: Double) -> String { value.isFinite ? decimal(value, places: 3) : "null" }
        return """
            {"policy":\(quoted(card.policy)),"model":\(quoted(card.model)),"walkaways":\(card.walkAways),\
            "medianTimeToLock":\(number(card.medianTimeToLock)),"p95TimeToLock":\(number(card.p95TimeToLock)),\
            "neverLocked":\(card.missedWalkAways),"warmUpLocks":\(card.warmUpLocks),"days":\(card.days),\
            "falseLocks":\(card.falseLocks),"falseLocksPer8h":\(number(card.falseLocksPer8h)),\
            "meetsTargets":\(card.meetsTargets)}
            """
    }

    static func seconds(_ value: Double) -> String {
        value.isFinite ? "\(decimal(value, places: 1)) s" : "never"
    }

    /// `value` with `places` decimals, without Foundation's formatters.
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = String(scaled % Int64(scale))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        guard places > 0 else { return "\(sign)\(whole)" }
        return "\(sign)\(whole).\(String(repeating: "0", count: places - fraction.count))\(fraction)"
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

extension String {
    /// Left-aligned in `width` characters.
    func leftAligned(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
