#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor carried in a D-Bus message (type `h`), owned by this object and closed when it is
/// released.
///
/// Sending duplicates the descriptor into the message (sd-bus does), so the sender keeps its own. A
/// received descriptor is a close-on-exec duplicate of the one in the message, so it outlives the message.
/// Keep the object for as long as `rawValue` is in use, or take a `duplicate()` of your own.
public final class DBusFileDescriptor: Sendable, Equatable, CustomStringConvertible {
    public let rawValue: Int32

    /// Takes ownership of `fileDescriptor`, which this object closes.
    public init(taking fileDescriptor: Int32) {
        precondition(fileDescriptor >= 0, "not a file descriptor: \(fileDescriptor)")
        rawValue = fileDescriptor
    }

    /// Owns a close-on-exec duplicate of `fileDescriptor`, which stays the caller's.
    public convenience init(duplicating fileDescriptor: Int32) throws(DBusError) {
        self.init(taking: try Self.duplicate(fileDescriptor))
    }

    deinit {
        close(rawValue)
    }

    /// A new close-on-exec duplicate, owned by the caller.
    public func duplicate() throws(DBusError) -> Int32 {
        try Self.duplicate(rawValue)
    }

    /// Two values are equal when they are the same owner (equal descriptor numbers imply it).
    public static func == (lhs: DBusFileDescriptor, rhs: DBusFileDescriptor) -> Bool {
        lhs === rhs
    }

    public var description: String { "fd \(rawValue)" }

    /// Duplicates to a number of 3 or more, so a duplicate never lands on stdin/stdout/stderr.
    static func duplicate(_ fileDescriptor: Int32) throws(DBusError) -> Int32 {
        let duplicate = fcntl(fileDescriptor, F_DUPFD_CLOEXEC, 3)
        guard duplicate >= 0 else {
            throw DBusError(.failed, "duplicating fd \(fileDescriptor)", result: -errno)
        }
        return duplicate
    }
}
