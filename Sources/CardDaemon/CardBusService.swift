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

    public private(set) var status: CardBusStatus

    private let connection: DBusConnection
    /// Optional only because the getters capture `self` weakly before init ends; set by every init that returns.
    private var object: DBusExportedObject?
    private var ownsName = false

    /// Exports the object (not yet under the well-known name: `requestName(_:)`).
    public init(connection: DBusConnection, status: CardBusStatus, handlers: Handlers) throws(CardDaemonError) {
        self.connection = connection
        self.status = status
        let interface = DBusInterface(
            Self.interfaceName,
            methods: Self.methods(handlers),
            properties: CardBusProperty.allCases.map { property in
                DBusProperty(property.rawValue, type: property.type) { [weak self] () throws(DBusError) in
                    guard let self else { throw DBusError(.failed, "the card is shutting down") }
                    return property.value(of: self.status)
                }
            }
        )
        do {
            object = try connection.exportObject(at: Self.objectPath, interfaces: [interface])
        } catch {
            throw CardDaemonError(.busFailed, "cannot export \(Self.interfaceName) at \(Self.objectPath): \(error.message)")
        }
    }

    deinit {
        object?.remove()
        if ownsName {
            try? connection.releaseName(Self.busName) { _ in }
        }
    }

    /// Asks the bus for `org.pivlink.Card`, without queueing: another owner means another card daemon runs.
    public func requestName(_ completion: @escaping (Result<Void, CardDaemonError>) -> Void) {
        do {
            try connection.requestName(Self.busName, flags: .doNotQueue) { [weak self] result in
                switch result {
                case .success(.primaryOwner), .success(.alreadyOwner):
                    self?.ownsName = true
                    completion(.success(()))
                case .success(.exists), .success(.inQueue):
                    completion(.failure(CardDaemonError(
                        .busFailed, "\(Self.busName) is already owned on the system bus: is another pivlink-card serving?")))
                case .failure(let error):
                    completion(.failure(CardDaemonError(
                        .busFailed,
                        "the bus refused \(Self.busName) (\(error.message)): run pivlink-card as root with dbus/org.pivlink.Card.conf installed")))
                }
            }
        } catch {
            completion(.failure(CardDaemonError(.busFailed, "cannot request \(Self.busName): \(error.message)")))
        }
    }

    /// Takes the new status and emits one `PropertiesChanged` with exactly the properties whose values changed.
    public func update(_ status: CardBusStatus) throws(CardDaemonError) {
        let old = self.status
        self.status = status
        let changed = CardBusProperty.allCases.filter { $0.value(of: old) != $0.value(of: status) }
        guard let object, !changed.isEmpty else { return }
        do {
            try object.emitPropertiesChanged(interface: Self.interfaceName, properties: changed.map(\.rawValue))
        } catch {
            throw CardDaemonError(.busFailed, "cannot announce the card's \(changed.map(\.rawValue)): \(error.message)")
        }
    }

    /// The D-Bus error a handler's failure is sent as.
    public static func busError(_ error: CardDaemonError) -> DBusError {
        let code = error.code.description
        return DBusError(name: errorPrefix + code.prefix(1).uppercased() + code.dropFirst(), message: error.detail)
    }

    private static func methods(_ handlers: Handlers) -> [DBusMethod] {
        func answering(_ call: DBusMethodCall, _ body: () throws(CardDaemonError) -> Void) throws(DBusError) {
            do {
                try body()
            } catch {
                throw busError(error)
            }
            call.reply()
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
