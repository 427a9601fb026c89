import APDU
import Foundation
import PivlinkTesting

/// research/piv-apdu-trace.txt as data: vpcd control bytes and command/answer pairs, each tagged with the tool run
/// ("######## name") it came from. Long answers are logged abbreviated as `<first bytes> ...(total) SW1 SW2`, where
/// the total counts the status word.
struct APDUTrace {
    struct Malformed: Error, CustomStringConvertible {
        let line: Int
        let reason: String
        var description: String { "piv-apdu-trace.txt line \(line): \(reason)" }
    }

    struct Answer {
        /// The data bytes the log shows: all of them, or the first ones of an abbreviated answer.
        let dataPrefix: [UInt8]
        let dataLength: Int
        let status: StatusWord
    }

    struct Exchange {
        let section: String
        let line: Int
        let command: [UInt8]
        let answer: Answer
    }

    enum Event {
        /// `# ctrl N`: 0 power off, 1 power on, 2 reset.
        case control(UInt8)
        case exchange(Exchange)
    }

    /// The ATR the traced responder gave.
    let atr: [UInt8]
    let events: [Event]

    static func load() throws -> APDUTrace {
        guard let url = Bundle.module.url(forResource: "piv-apdu-trace", withExtension: "txt", subdirectory: "Resources")
        else { throw Malformed(line: 0, reason: "resource missing from the test bundle") }
        return try APDUTrace(text: String(contentsOf: url, encoding: .utf8))
    }

    init(text: String) throws {
        var events: [Event] = []
        var atr: [UInt8] = []
        var section = ""
        var pendingCommand: (line: Int, bytes: [UInt8])?
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = offset + 1
            let text = rawLine.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("######## ") {
                section = String(text.dropFirst(9))
            } else if text.hasPrefix("# connected ATR ") {
                atr = hex(String(text.dropFirst(16)))
            } else if text.hasPrefix("# ctrl ") {
                guard let byte = UInt8(text.dropFirst(7)) else { throw Malformed(line: line, reason: "bad ctrl") }
                events.append(.control(byte))
            } else if text.hasPrefix("> ") {
                guard pendingCommand == nil else { throw Malformed(line: line, reason: "two commands in a row") }
                pendingCommand = (line, hex(String(text.dropFirst(2))))
            } else if text.hasPrefix("< ") {
                guard let command = pendingCommand else { throw Malformed(line: line, reason: "answer without command") }
                pendingCommand = nil
                events.append(.exchange(Exchange(section: section, line: command.line, command: command.bytes,
                                                 answer: try Self.answer(String(text.dropFirst(2)), line: line))))
            } else if !text.isEmpty, !text.hasPrefix("#") {
                throw Malformed(line: line, reason: "unrecognised line")
            }
        }
        self.atr = atr
        self.events = events
    }

    private static func answer(_ text: String, line: Int) throws -> Answer {
        var tokens = text.split(separator: " ").map(String.init)
        guard tokens.count >= 2 else { throw Malformed(line: line, reason: "answer without status word") }
        let status = StatusWord(sw1: hex(tokens[tokens.count - 2])[0], sw2: hex(tokens[tokens.count - 1])[0])
        tokens.removeLast(2)
        if let marker = tokens.last, marker.hasPrefix("...(") {
            guard let total = Int(marker.dropFirst(4).dropLast()) else {
                throw Malformed(line: line, reason: "bad abbreviation \(marker)")
            }
            return Answer(dataPrefix: hex(tokens.dropLast().joined()), dataLength: total - 2, status: status)
        }
        let data = hex(tokens.joined())
        return Answer(dataPrefix: data, dataLength: data.count, status: status)
    }
}

/// The BER-TLV tag at the start of `bytes` (ISO 7816-4 §5.2.2.1), even when the rest is cut off; nil if none.
func leadingTag(_ bytes: [UInt8]) -> UInt32? {
    guard let first = bytes.first else { return nil }
    var tag = UInt32(first)
    guard first & 0x1F == 0x1F else { return tag }
    for byte in bytes.dropFirst().prefix(2) {
        tag = tag << 8 | UInt32(byte)
        if byte & 0x80 == 0 { return tag }
    }
    return nil
}
