import DBus

/// The one error type of the BlueZ module.
///
/// bluetoothd answers failures with `org.bluez.Error.<Name>` replies (src/error.c); each known name has its
/// own code, so callers decide on `code` (`.inProgress`: serialize and retry; `.notConnected`: reconnect).
/// Failures of the bus itself (timeouts, a lost connection, org.bluez not running) and replies of the wrong
/// shape have codes of their own. `name` keeps the D-Bus error name as received and `detail` its message.
public struct BlueZError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case failed
            case inProgress
            case notPermitted
            case notAuthorized
            case notConnected
            case alreadyConnected
            case alreadyExists
            case doesNotExist
            case notReady
            case notSupported
            case invalidArguments
            case invalidLength
            case invalidValueLength
            case invalidOffset
            case authenticationFailed
            case otherBlueZError
            case serviceUnknown
            case timedOut
            case disconnected
            case unexpectedReply
            case notFound
            case bus
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// `org.bluez.Error.Failed`: the operation failed; the message says why ("Not connected", an ATT code).
        public static let failed = Code(.failed)
        /// `org.bluez.Error.InProgress`: the same operation is already under way (a second concurrent write,
        /// AcquireNotify after StartNotify); serialize and retry.
        public static let inProgress = Code(.inProgress)
        /// `org.bluez.Error.NotPermitted`: e.g. WriteValue while an AcquireWrite socket is held, a read of a
        /// characteristic without the read flag, or "busy" from a peripheral serving another central.
        public static let notPermitted = Code(.notPermitted)
        /// `org.bluez.Error.NotAuthorized`.
        public static let notAuthorized = Code(.notAuthorized)
        /// `org.bluez.Error.NotConnected`: Disconnect on a device that is not connected.
        public static let notConnected = Code(.notConnected)
        /// `org.bluez.Error.AlreadyConnected`.
        public static let alreadyConnected = Code(.alreadyConnected)
        /// `org.bluez.Error.AlreadyExists`: e.g. an application or advertisement registered twice.
        public static let alreadyExists = Code(.alreadyExists)
        /// `org.bluez.Error.DoesNotExist`: e.g. unregistering what is not registered, removing an unknown device.
        public static let doesNotExist = Code(.doesNotExist)
        /// `org.bluez.Error.NotReady`: the adapter is off.
        public static let notReady = Code(.notReady)
        /// `org.bluez.Error.NotSupported`.
        public static let notSupported = Code(.notSupported)
        /// `org.bluez.Error.InvalidArguments`, e.g. "Invalid Length" for a value over 512 bytes.
        public static let invalidArguments = Code(.invalidArguments)
        /// `org.bluez.Error.InvalidLength`: advertising data that does not fit.
        public static let invalidLength = Code(.invalidLength)
        /// `org.bluez.Error.InvalidValueLength` (a peripheral's answer that becomes ATT 0x0D).
        public static let invalidValueLength = Code(.invalidValueLength)
        /// `org.bluez.Error.InvalidOffset` (a peripheral's answer that becomes ATT 0x07).
        public static let invalidOffset = Code(.invalidOffset)
        /// `org.bluez.Error.AuthenticationFailed` and the other pairing failures.
        public static let authenticationFailed = Code(.authenticationFailed)
        /// Another `org.bluez.Error.*` name; `name` tells which.
        public static let otherBlueZError = Code(.otherBlueZError)
        /// Nobody owns the bus name `org.bluez` (bluetoothd is not running), or it left during the call.
        public static let serviceUnknown = Code(.serviceUnknown)
        /// No reply within the call's timeout.
        public static let timedOut = Code(.timedOut)
        /// Our own bus connection is closed or lost.
        public static let disconnected = Code(.disconnected)
        /// A reply or property of another shape than BlueZ documents.
        public static let unexpectedReply = Code(.unexpectedReply)
        /// No object of the kind asked for (e.g. no characteristic with that UUID under the device).
        public static let notFound = Code(.notFound)
        /// Any other D-Bus failure (an unknown object or method, a bus policy refusal, a local sd-bus error).
        public static let bus = Code(.bus)

        public var description: String {
            switch value {
            case .failed: "failed"
            case .inProgress: "inProgress"
            case .notPermitted: "notPermitted"
            case .notAuthorized: "notAuthorized"
            case .notConnected: "notConnected"
            case .alreadyConnected: "alreadyConnected"
            case .alreadyExists: "alreadyExists"
            case .doesNotExist: "doesNotExist"
            case .notReady: "notReady"
            case .notSupported: "notSupported"
            case .invalidArguments: "invalidArguments"
            case .invalidLength: "invalidLength"
            case .invalidValueLength: "invalidValueLength"
            case .invalidOffset: "invalidOffset"
            case .authenticationFailed: "authenticationFailed"
            case .otherBlueZError: "otherBlueZError"
            case .serviceUnknown: "serviceUnknown"
            case .timedOut: "timedOut"
            case .disconnected: "disconnected"
            case .unexpectedReply: "unexpectedReply"
            case .notFound: "notFound"
            case .bus: "bus"
            }
        }

        /// The code of an `org.bluez.Error.<short>` name.
        static func blueZ(short: String) -> Code {
            switch short {
            case "Failed": .failed
            case "InProgress": .inProgress
            case "NotPermitted": .notPermitted
            case "NotAuthorized": .notAuthorized
            case "NotConnected": .notConnected
            case "AlreadyConnected": .alreadyConnected
            case "AlreadyExists": .alreadyExists
            case "DoesNotExist": .doesNotExist
            case "NotReady": .notReady
            case "NotSupported": .notSupported
            case "InvalidArguments": .invalidArguments
            case "InvalidLength": .invalidLength
            case "InvalidValueLength": .invalidValueLength
            case "InvalidOffset": .invalidOffset
            case "AuthenticationFailed", "AuthenticationCanceled", "AuthenticationRejected", "AuthenticationTimeout",
                "ConnectionAttemptFailed":
                .authenticationFailed
            default: .otherBlueZError
            }
        }

        /// The short name a peripheral application answers with for this code, if BlueZ defines one.
        var blueZShortName: String? {
            switch value {
            case .failed: "Failed"
            case .inProgress: "InProgress"
            case .notPermitted: "NotPermitted"
            case .notAuthorized: "NotAuthorized"
            case .notConnected: "NotConnected"
            case .alreadyConnected: "AlreadyConnected"
            case .alreadyExists: "AlreadyExists"
            case .doesNotExist: "DoesNotExist"
            case .notReady: "NotReady"
            case .notSupported: "NotSupported"
            case .invalidArguments: "InvalidArguments"
            case .invalidLength: "InvalidLength"
            case .invalidValueLength: "InvalidValueLength"
            case .invalidOffset: "InvalidOffset"
            case .authenticationFailed: "AuthenticationFailed"
            case .otherBlueZError, .serviceUnknown, .timedOut, .disconnected, .unexpectedReply, .notFound, .bus: nil
            }
        }
    }

    public static let namePrefix = "org.bluez.Error."

    public let code: Code
    /// The D-Bus error name as received (`org.bluez.Error.InProgress`), or the standard name of a local failure.
    public let name: String
    /// The human explanation.
    public let detail: String

    /// An error of this module's own making (a reply of the wrong shape, an object not found); as an answer
    /// to a peer it travels as `org.bluez.Error.<Name>` where BlueZ has one, else as `org.bluez.Error.Failed`.
    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.name = Self.namePrefix + (code.blueZShortName ?? "Failed")
        self.detail = detail
    }

    /// Classifies a D-Bus failure: `org.bluez.Error.*` replies by name, bus failures by their DBus code.
    public init(_ error: DBusError) {
        name = error.name
        detail = error.message
        if error.name.hasPrefix(Self.namePrefix) {
            code = .blueZ(short: String(error.name.dropFirst(Self.namePrefix.count)))
            return
        }
        switch error.name {
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
            code = .serviceUnknown
            return
        case "org.freedesktop.DBus.Error.NoReply" where error.code == .errorReply:
            // The bus's own NoReply: the callee left the bus before answering.
            code = .serviceUnknown
            return
        default:
            break
        }
        if error.code == .timedOut {
            code = .timedOut
        } else if error.code == .disconnected {
            code = .disconnected
        } else if error.code == .typeMismatch {
            code = .unexpectedReply
        } else {
            code = .bus
        }
    }

    /// The error as a D-Bus error reply, for answering BlueZ from an exported object.
    public var dbusError: DBusError { DBusError(name: name, message: detail) }

    public var description: String { "\(name): \(detail)" }
}
