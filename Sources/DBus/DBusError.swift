#if canImport(Glibc)
import Glibc
#endif

/// The one error type of the DBus module.
///
/// Every error carries a D-Bus error `name` and a `message`, so that it can be sent as an error reply and
/// so that callers can tell error replies apart by name (`org.bluez.Error.InProgress`). `code` classifies
/// the error for our own decisions and for tests: an error reply from a peer is `.errorReply`, whatever
/// its name; failures detected on this side have their own codes and a standard name.
public struct DBusError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case errorReply
            case timedOut
            case disconnected
            case connectFailed
            case invalidArguments
            case typeMismatch
            case failed
        }

        private let value: Value

        /// An error reply (received from a peer, or made to be sent to one); `name` tells which.
        public static let errorReply = Code(value: .errorReply)
        /// No reply came within the call's timeout.
        public static let timedOut = Code(value: .timedOut)
        /// The connection is closed or was lost before the reply came.
        public static let disconnected = Code(value: .disconnected)
        /// The bus could not be reached (no socket, refused, authentication failed).
        public static let connectFailed = Code(value: .connectFailed)
        /// A name, path, signature or value given to this module is not valid D-Bus, or values do not
        /// match the signature they must have.
        public static let invalidArguments = Code(value: .invalidArguments)
        /// A message received has other types than expected.
        public static let typeMismatch = Code(value: .typeMismatch)
        /// Any other local failure (out of memory, out of file descriptors, sd-bus refused).
        public static let failed = Code(value: .failed)

        public var description: String {
            switch value {
            case .errorReply: "errorReply"
            case .timedOut: "timedOut"
            case .disconnected: "disconnected"
            case .connectFailed: "connectFailed"
            case .invalidArguments: "invalidArguments"
            case .typeMismatch: "typeMismatch"
            case .failed: "failed"
            }
        }

        /// The standard D-Bus error name sent for a local failure of this kind.
        var standardName: String {
            switch value {
            case .errorReply, .failed, .connectFailed: Self.failedName
            case .timedOut, .disconnected: DBusError.noReplyName
            case .invalidArguments, .typeMismatch: "org.freedesktop.DBus.Error.InvalidArgs"
            }
        }

        static let failedName = "org.freedesktop.DBus.Error.Failed"
    }

    public let code: Code
    /// The D-Bus error name, e.g. `org.freedesktop.DBus.Error.UnknownMethod` or `org.bluez.Error.Failed`.
    public let name: String
    /// The human explanation that travels with the name.
    public let message: String

    /// An error reply with this name, to send from a method handler or as received from a peer.
    public init(name: String, message: String) {
        self.init(.errorReply, name: name, message: message)
    }

    /// A local failure with the code's standard D-Bus name.
    public init(_ code: Code, _ message: String) {
        self.init(code, name: code.standardName, message: message)
    }

    init(_ code: Code, name: String, message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    /// A local failure from an sd-bus call, which returns `-errno`.
    init(_ code: Code, _ what: String, result: Int32) {
        self.init(code, "\(what): \(String(cString: strerror(-result)))")
    }

    /// A failed sd-bus call: a closed connection is `.disconnected`, invalid input `.invalidArguments`.
    init(sdBusResult result: Int32, _ what: String) {
        let code: Code =
            switch -result {
            case ENOTCONN, ECONNRESET, EPIPE, ESHUTDOWN: .disconnected
            case EINVAL, ENXIO, EBADMSG, ENOENT, EDOM, EEXIST: .invalidArguments
            default: .failed
            }
        self.init(code, what, result: result)
    }

    public var description: String { "\(name): \(message)" }

    static let noReplyName = "org.freedesktop.DBus.Error.NoReply"

    /// True for a valid error name, which is written like an interface name: at most 255 bytes, two or
    /// more `.`-separated elements of `[A-Za-z0-9_]`, none empty or starting with a digit.
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count <= 255 else { return false }
        let elements = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard elements.count >= 2 else { return false }
        return elements.allSatisfy { element in
            guard let first = element.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
                return false
            }
            return element.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
            }
        }
    }
}
