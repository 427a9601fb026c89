import DBus
import Pairing

/// `org.pivlink.Card1` at `/org/pivlink/Card`, name `org.pivlink.Card`: the card's key, pairings and pairing
/// window for `pivlink-card pair`, `unpair` and `status`. dbus/org.pivlink.Card1.xml is its introspection;
/// dbus/org.pivlink.Card.conf lets root own the name and the `pivlink` group call it. Only `serve --ble` runs it.
///
/// Like `StationBusService` it only translates: it checks the arguments, hands the calls to the handlers, and
/// announces each `update(_:)` with one `PropertiesChanged` listing exactly what changed. A handler's
/// `CardDaemonError` reaches the caller as `org.pivlink.Card1.Error.<Code>` with its one-line detail.
///
/// Used on the loop's thread only.
public final class CardBusService {
    public static let busName = "org.pivlink.Card"
    public static let interfaceName = "org.pivlink.Card1"
    public static let objectPath: DBusObjectPath = "/org/pivlink/Card"
    /// Error names are this prefix and the capitalised `CardDaemonError.Code`, e.g. `…Error.NotPaired`.
    public static let errorPrefix = "org.pivlink.Card1.Error."

    /// What the methods do; each runs on the loop's thread and throws to refuse.
    public struct Handlers {
        public var startPairing: (Duration, String) throws(CardDaemonError) -> Void
        public var confirmPairing: (PairingCode) throws(CardDaemonError) -> Void
        public var rejectPairing: () throws(CardDaemonError) -> Void
        public var cancelPairing: () throws(CardDaemonError) -> Void
        public var unpair: (PairingFingerprint) throws(CardDaemonError) -> Void

        public init(
            startPairing: @escaping (Duration, String) throws(CardDaemonError) -> Void,
            confirmPairing: @escaping (PairingCode) throws(CardDaemonError) -> Void,
            rejectPairing: @escaping () throws(CardDaemonError) -> Void,
            cancelPairing: @escaping () throws(CardDaemonError) -> Void,
            unpair: @escaping (PairingFingerprint) throws(CardDaemonError) -> Void
        ) {
            self.startPairing = startPairing
            self.confirmPairing = confirmPairing
            self.rejectPairing = rejectPairing
            self.cancelPairing = cancelPairing
            self.unpair = unpair
        }
    }

    /// What the properties say now.
    public var status: CardBusStatus { object.status }

    private let object: DBusStatusObject<CardBusProperty>

    /// Exports the object (not yet under the well-known name: `requestName(_:)`).
    public init(connection: DBusConnection, status: CardBusStatus, handlers: Handlers) throws(CardDaemonError) {
        do {
            object = try DBusStatusObject(
                connection: connection, busName: Self.busName, interfaceName: Self.interfaceName,
                objectPath: Self.objectPath, owner: "the card", status: status, methods: Self.methods(handlers))
        } catch {
            throw CardDaemonError(.busFailed, error.message)
        }
    }

    /// Asks the bus for `org.pivlink.Card`, without queueing: another owner means another card daemon runs.
    public func requestName(_ completion: @escaping (Result<Void, CardDaemonError>) -> Void) {
        object.requestName(
            ifTaken: "is another pivlink-card serving?",
            ifRefused: "run pivlink-card as root with dbus/org.pivlink.Card.conf installed"
        ) { result in
            completion(result.mapError { CardDaemonError(.busFailed, $0.message) })
        }
    }

    /// Takes the new status and emits one `PropertiesChanged` with exactly the properties whose values changed.
    public func update(_ status: CardBusStatus) throws(CardDaemonError) {
        do {
            try object.update(status)
        } catch {
            throw CardDaemonError(.busFailed, error.message)
        }
    }

    /// The D-Bus error a handler's failure is sent as.
    public static func busError(_ error: CardDaemonError) -> DBusError {
        DBusStatusObject<CardBusProperty>.error(prefix: errorPrefix, code: error.code.description, detail: error.detail)
    }

    private static func methods(_ handlers: Handlers) -> [DBusMethod] {
        func answering(_ call: DBusMethodCall, _ body: () throws(CardDaemonError) -> Void) throws(DBusError) {
            try call.answer(body, failingAs: busError)
        }
        return [
            DBusMethod(
                "StartPairing", inputs: [DBusArgument("seconds", .uint32), DBusArgument("name", .string)]
            ) { call throws(DBusError) in
                let window = CardPairingSession.windowSeconds
                guard let seconds = call.arguments.first?.uint32, window.contains(seconds) else {
                    let given = call.arguments.first?.uint32.map(String.init) ?? "nothing"
                    throw DBusError(
                        .invalidArguments,
                        "open the pairing window for \(window.lowerBound) to \(window.upperBound) seconds, not \(given)")
                }
                let name = call.arguments.count > 1 ? call.arguments[1].string ?? "" : ""
                try answering(call) { () throws(CardDaemonError) in try handlers.startPairing(.seconds(seconds), name) }
            },
            DBusMethod("ConfirmPairing", inputs: [DBusArgument("code", .string)]) { call throws(DBusError) in
                let code: PairingCode
                do throws(PairingError) {
                    code = try PairingCode(parsing: call.arguments.first?.string ?? "")
                } catch {
                    throw DBusError(.invalidArguments, error.detail)
                }
                try answering(call) { () throws(CardDaemonError) in try handlers.confirmPairing(code) }
            },
            DBusMethod("RejectPairing") { call throws(DBusError) in
                try answering(call, handlers.rejectPairing)
            },
            DBusMethod("CancelPairing") { call throws(DBusError) in
                try answering(call, handlers.cancelPairing)
            },
            DBusMethod("Unpair", inputs: [DBusArgument("fingerprint", .string)]) { call throws(DBusError) in
                let fingerprint: PairingFingerprint
                do throws(PairingError) {
                    fingerprint = try PairingFingerprint(parsing: call.arguments.first?.string ?? "")
                } catch {
                    throw DBusError(.invalidArguments, error.detail)
                }
                try answering(call) { () throws(CardDaemonError) in try handlers.unpair(fingerprint) }
            },
        ]
    }
}
