import Foundation
import PivlinkTesting

/// The commands of research/piv-apdu-trace.txt (the copy in Tests/PIVCardTests/Resources), by tool run: each
/// section's vpcd control bytes and command APDUs in order. The answers in the trace are a test responder's; the
/// tests here ask a real `PIVCard` instead.
struct TracedSession {
    enum Step: Equatable {
        /// vpcd control byte: 0 power off, 1 power on, 2 reset.
        case control(UInt8)
        case command([UInt8])
    }

    struct Section {
        let name: String
        var steps: [Step]
        var commands: [[UInt8]] {
            steps.compactMap { step in
                if case .command(let bytes) = step { bytes } else { nil }
            }
        }
    }

    let sections: [Section]

    static func load() throws -> TracedSession {
        let here = URL(fileURLWithPath: #filePath)
        let trace = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("PIVCardTests/Resources/piv-apdu-trace.txt")
        return TracedSession(text: try String(contentsOf: trace, encoding: .utf8))
    }

    init(text: String) {
        var sections: [Section] = [Section(name: "", steps: [])]
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("######## ") {
                sections.append(Section(name: String(line.dropFirst(9)), steps: []))
            } else if line.hasPrefix("# ctrl "), let byte = UInt8(line.dropFirst(7)) {
                sections[sections.count - 1].steps.append(.control(byte))
            } else if line.hasPrefix("> ") {
                sections[sections.count - 1].steps.append(.command(hex(String(line.dropFirst(2)))))
            }
        }
        self.sections = sections
    }

    func section(_ name: String) throws -> Section {
        guard let section = sections.first(where: { $0.name == name }) else {
            throw TraceSectionMissing(name: name)
        }
        return section
    }

    struct TraceSectionMissing: Error, CustomStringConvertible {
        let name: String
        var description: String { "piv-apdu-trace.txt has no section '\(name)'" }
    }
}
