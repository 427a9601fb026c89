/// The one error type of the Proximity module: settings that contradict each other and calibrations without
/// enough signal. Tests compare `code`; `detail` is one line saying what is wrong and what to do.
public struct ProximityError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case invalidSettings
            case insufficientCalibration
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// A threshold, dwell time or timeout is out of range or out of order with another.
        public static let invalidSettings = Code(.invalidSettings)
        /// A calibration heard too few samples to say where the seated holder's signal lies.
        public static let insufficientCalibration = Code(.insufficientCalibration)

        public var description: String {
            switch value {
            case .invalidSettings: "invalidSettings"
            case .insufficientCalibration: "insufficientCalibration"
            }
        }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
