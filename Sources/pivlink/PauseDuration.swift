import ArgumentParser
import StationDaemon

/// `pivlink pause --for`'s argument: a whole number of seconds, minutes or hours (`90s`, `30m`, `2h`), within what
/// the station accepts (`StationBusService.pauseSeconds`: 1 s to 8 h).
enum PauseDuration {
    static func seconds(parsing argument: String) throws -> UInt32 {
        let multipliers: [Character: UInt32] = ["s": 1, "m": 60, "h": 3600]
        let digits = argument.dropLast()
        guard let unit = argument.last, let multiplier = multipliers[unit], !digits.isEmpty,
            digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = UInt32(digits)
        else {
            throw ValidationError("'\(argument)' is not a duration: give a whole number with s, m or h, such as 30m")
        }
        let (seconds, overflow) = count.multipliedReportingOverflow(by: multiplier)
        let range = StationBusService.pauseSeconds
        guard !overflow, range.contains(seconds) else {
            throw ValidationError("auto-lock pauses for \(range.lowerBound) s to \(range.upperBound / 3600) h, not \(argument)")
        }
        return seconds
    }

    /// `seconds` in the largest unit that divides it: `2 h`, `30 min`, `90 s`.
    static func text(_ seconds: UInt32) -> String {
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
