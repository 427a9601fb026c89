import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A daemon's log. Under systemd, when standard error is connected to the journal, each entry goes to the
/// journal natively (`sd_journal_sendv`) with its priority, `SYSLOG_IDENTIFIER`, an optional `MESSAGE_ID` and
/// structured fields; otherwise it is one line `identifier: message` on standard error, as before.
///
/// The rule is systemd's documented one (systemd.exec(5), `$JOURNAL_STREAM`): systemd sets `JOURNAL_STREAM` to
/// `DEVICE:INODE` of the stream it connected to stdout/stderr, and a program that finds its standard error to be
/// that stream may switch to the native protocol. Redirected elsewhere (a file, a terminal), the variable no
/// longer matches and lines go to standard error. If the journal refuses an entry, it goes to standard error.
///
/// Never log secrets or APDUs: entries are readable by the admin and kept on disk.
public struct Journal: Sendable {
    public enum Priority: Int32, Sendable {
        case error = 3
        case warning = 4
        case notice = 5
        case info = 6
        case debug = 7
    }

    /// `SYSLOG_IDENTIFIER=` in the journal, the line prefix on standard error (e.g. `pivlink-station`).
    public let identifier: String
    /// True when entries go to the journal natively.
    public let isNative: Bool

    /// Decides once where entries go, from `$JOURNAL_STREAM` and standard error's device and inode.
    public init(identifier: String) {
        self.identifier = identifier
        var status = stat()
        let journalStream = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        isNative = fstat(STDERR_FILENO, &status) == 0
            && Self.streamMatches(journalStream, device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }

    /// Whether `journalStream` (`$JOURNAL_STREAM`, "DEVICE:INODE" in decimal) names the stream with `device` and
    /// `inode`.
    static func streamMatches(_ journalStream: String?, device: UInt64, inode: UInt64) -> Bool {
        guard let parts = journalStream?.split(separator: ":", omittingEmptySubsequences: false), parts.count == 2,
              let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1])
        else { return false }
        return streamDevice == device && streamInode == inode
    }

    /// Logs `message`. `fields` are extra journal fields (names of upper-case letters, digits and `_`, not
    /// starting with `_`; others are dropped); on standard error only the message is written.
    public func log(
        _ message: String, priority: Priority = .info, id: JournalMessageID? = nil, fields: [String: String] = [:]
    ) {
        if isNative, send(Self.entry(message, priority: priority, id: id, identifier: identifier, fields: fields)) {
            return
        }
        let line = Array("\(identifier): \(message)\n".utf8)
        line.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = write(STDERR_FILENO, base + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// The `FIELD=value` assignments of one journal entry, in order.
    static func entry(
        _ message: String, priority: Priority, id: JournalMessageID?, identifier: String, fields: [String: String]
    ) -> [String] {
        var assignments = ["MESSAGE=\(message)", "PRIORITY=\(priority.rawValue)", "SYSLOG_IDENTIFIER=\(identifier)"]
        if let id { assignments.append("MESSAGE_ID=\(id.hex)") }
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) where isFieldName(name) {
            assignments.append("\(name)=\(value)")
        }
        return assignments
    }

    /// The journal's rule for a field a client may set.
    static func isFieldName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first != UInt8(ascii: "_"), name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        } && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
    }

    /// One `sd_journal_sendv` call: every assignment is an iovec into one buffer.
    private func send(_ assignments: [String]) -> Bool {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for assignment in assignments {
            let start = buffer.count
            buffer.append(contentsOf: assignment.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return false }
            let vectors = ranges.map { range in
                iovec(iov_base: UnsafeMutableRawPointer(mutating: base + range.lowerBound), iov_len: range.count)
            }
            return vectors.withUnsafeBufferPointer { pointer in
                sd_journal_sendv(pointer.baseAddress, Int32(pointer.count)) >= 0
            }
        }
    }
}
