import DBus
import Pairing

/// `org.pivlink.Station1` at `/org/pivlink/Station`: the station's state for `pivlink status` and desktop tools, and
/// the calls that pause auto-lock, calibrate the seated baseline, pair and unpair cards (`StationPairingCalls`). dbus/org.pivlink.Station1.xml is its
/// introspection; dbus/org.pivlink.Station1.conf lets root own the name and the `pivlink` group call it.
///
/// The service only translates: it checks the arguments, hands the calls to the handlers it was given (the
/// `Manager`'s), and announces each `update(_:)` with one `PropertiesChanged` listing exactly what changed. A
/// handler's `StationDaemonError` reaches the caller as `org.pivlink.Station1.Error.<Code>` with its one-line detail.
///
/// Threading: like `DBusConnection`, used on the loop's thread only; the handlers are called there, and
/// `calibrate`'s completion must be called there too.
public final class StationBusService {
    public static let busName = "org.pivlink.Station1"
    public static let interfaceName = "org.pivlink.Station1"
    public static let objectPath: DBusObjectPath = "/org/pivlink/Station"
    /// Error names are this prefix and the capitalised `StationDaemonError.Code`, e.g. `…Error.LockFailed`.
    public static let errorPrefix = "org.pivlink.Station1.Error."
    /// How long `PauseAutoLock` may pause, in seconds: up to one 8-hour working day.
    public static let pauseSeconds: ClosedRange<UInt32> = 1...28_800
    /// How long `Calibrate` may listen, in seconds: at least the five seconds `BaselineCalibration`'s ten samples
    /// take at 2 Hz, at most two minutes.
    public static let calibrationSeconds: ClosedRange<UInt32> = 5...120
    /// How long `Pair` may search and wait for the users, in seconds.
    public static let pairingSeconds: ClosedRange<UInt32> = 10...600

    public typealias Pause = (Duration) throws(StationDaemonError) -> Void
    public typealias Resume = () -> Void
    /// Listens for the duration and completes with the connection's seated baseline in dBm.
    public typealias Calibrate = (Duration, _ completion: @escaping (Result<Double, StationDaemonError>) -> Void) -> Void

    /// What the properties say now.
    public var status: StationStatus { object.status }

    private let object: DBusStatusObject<StationBusProperty>

    /// Exports the object (not yet under the well-known name: `requestName(_:)`).
    public init(
        connection: DBusConnection,
        status: StationStatus,
        pause: @escaping Pause,
        resume: @escaping Resume,
        calibrate: @escaping Calibrate,
        pairing: StationPairingCalls
    ) throws(StationDaemonError) {
        do {
            object = try DBusStatusObject(
                connection: connection, busName: Self.busName, interfaceName: Self.interfaceName,
                objectPath: Self.objectPath, owner: "the station", status: status,
                methods: Self.methods(pause: pause, resume: resume, calibrate: calibrate) + Self.methods(pairing))
        } catch {
            throw StationDaemonError(.busFailed, error.message)
        }
    }

    /// Asks the bus for `org.pivlink.Station1`, without queueing: another owner means another station is running.
    public func requestName(_ completion: @escaping (Result<Void, StationDaemonError>) -> Void) {
        object.requestName(
            ifTaken: "is another pivlink-station running?",
            ifRefused: "run pivlink-station as root with dbus/org.pivlink.Station1.conf installed"
        ) { result in
            completion(result.mapError { StationDaemonError(.busFailed, $0.message) })
        }
    }

    /// Takes the new status and emits one `PropertiesChanged` with exactly the properties whose bus values changed
    /// (none when nothing did). The status is taken even when the signal cannot be sent.
    public func update(_ status: StationStatus) throws(StationDaemonError) {
        do {
            try object.update(status)
        } catch {
            throw StationDaemonError(.busFailed, error.message)
        }
    }

    /// The D-Bus error a handler's failure is sent as.
    public static func busError(_ error: StationDaemonError) -> DBusError {
        DBusStatusObject<StationBusProperty>.error(prefix: errorPrefix, code: error.code.description, detail: error.detail)
    }

    private static func methods(pause: @escaping Pause, resume: @escaping Resume, calibrate: @escaping Calibrate)
        -> [DBusMethod]
    {
        [
            DBusMethod("PauseAutoLock", inputs: [DBusArgument("seconds", .uint32)]) { call throws(DBusError) in
                let seconds = try Self.seconds(call, within: pauseSeconds, "pause auto-lock")
                try call.answer({ () throws(StationDaemonError) in try pause(.seconds(seconds)) }, failingAs: busError)
            },
            DBusMethod("ResumeAutoLock") { call in
                resume()
                call.reply()
            },
            DBusMethod(
                "Calibrate", inputs: [DBusArgument("seconds", .uint32)],
                outputs: [DBusArgument("connection_baseline_dBm", .int16)]
            ) { call throws(DBusError) in
                let seconds = try Self.seconds(call, within: calibrationSeconds, "calibrate")
                // The call is answered when the calibration ends; the closure keeps it until then.
                calibrate(.seconds(seconds)) { result in
                    switch result {
                    case .success(let dBm):
                        guard let baseline = StationBusProperty.wholeDBm(dBm) else {
                            call.fail(DBusError(.failed, "the calibration measured \(dBm) dBm: calibrate again"))
                            return
                        }
                        call.reply([.int16(baseline)])
                    case .failure(let error):
                        call.fail(busError(error))
                    }
                }
            },
        ]
    }

    private static func methods(_ pairing: StationPairingCalls) -> [DBusMethod] {
        /// Runs a handler and replies, or fails the call with its error.
        func answer(_ call: DBusMethodCall, _ body: () throws(StationDaemonError) -> Void) throws(DBusError) {
            try call.answer(body, failingAs: busError)
        }
        return [
            DBusMethod("Pair", inputs: [DBusArgument("name", .string), DBusArgument("seconds", .uint32)]) {
                call throws(DBusError) in
                let seconds = try Self.seconds(call, at: 1, within: pairingSeconds, "pair")
                let name = call.arguments.first?.string ?? ""
                try answer(call) { () throws(StationDaemonError) in try pairing.pair(name, .seconds(seconds)) }
            },
            DBusMethod("ConfirmPairing", inputs: [DBusArgument("code", .string)]) { call throws(DBusError) in
                let code: PairingCode
                do throws(PairingError) {
                    code = try PairingCode(parsing: call.arguments.first?.string ?? "")
                } catch {
                    throw DBusError(.invalidArguments, error.detail)
                }
                try answer(call) { () throws(StationDaemonError) in try pairing.confirm(code) }
            },
            DBusMethod("RejectPairing") { call throws(DBusError) in
                try answer(call) { () throws(StationDaemonError) in try pairing.reject() }
            },
            DBusMethod("CancelPairing") { call throws(DBusError) in
                try answer(call) { () throws(StationDaemonError) in try pairing.cancel() }
            },
            DBusMethod(
                "Unpair", inputs: [DBusArgument("fingerprint", .string)],
                outputs: [DBusArgument("removed_on_card", .boolean)]
            ) { call throws(DBusError) in
                let fingerprint: PairingFingerprint
                do throws(PairingError) {
                    fingerprint = try PairingFingerprint(parsing: call.arguments.first?.string ?? "")
                } catch {
                    throw DBusError(.invalidArguments, error.detail)
                }
                // Answered when the card answered UNPAIRED (or could not be asked); the closure keeps the call.
                pairing.unpair(fingerprint) { result in
                    switch result {
                    case .success(let removedOnCard): call.reply([.boolean(removedOnCard)])
                    case .failure(let error): call.fail(busError(error))
                    }
                }
            },
        ]
    }

    /// The call's `seconds` argument (the one at `index`), refused with `InvalidArgs` outside `range`.
    private static func seconds(_ call: DBusMethodCall, at index: Int = 0, within range: ClosedRange<UInt32>, _ what: String)
        throws(DBusError) -> UInt32
    {
        let argument = call.arguments.count > index ? call.arguments[index].uint32 : nil
        guard let seconds = argument, range.contains(seconds) else {
            let given = argument.map(String.init) ?? "nothing"
            throw DBusError(
                .invalidArguments,
                "\(what) for \(range.lowerBound) to \(range.upperBound) seconds, not \(given)")
        }
        return seconds
    }
}
