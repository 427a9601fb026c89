#if canImport(Glibc)
import Glibc
#endif

/// The one error type of the EventLoop module. Tests compare `code`; `detail` is a human explanation that
/// includes the system error.
public struct EventLoopError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case createFailed
            case addSourceFailed
            case updateSourceFailed
            case sourceRemoved
            case loopFailed
        }

        private let value: Value

        /// sd-event could not create the loop or its watchdog timer.
        public static let createFailed = Code(value: .createFailed)
        /// sd-event could not add an IO, timer or signal source (bad fd, out of fds, signal taken…).
        public static let addSourceFailed = Code(value: .addSourceFailed)
        /// sd-event could not change a source (epoll_ctl failed, or the loop has finished).
        public static let updateSourceFailed = Code(value: .updateSourceFailed)
        /// The IO source was removed and can no longer be changed.
        public static let sourceRemoved = Code(value: .sourceRemoved)
        /// `sd_event_loop` failed while running.
        public static let loopFailed = Code(value: .loopFailed)

        public var description: String {
            switch value {
            case .createFailed: "createFailed"
            case .addSourceFailed: "addSourceFailed"
            case .updateSourceFailed: "updateSourceFailed"
            case .sourceRemoved: "sourceRemoved"
            case .loopFailed: "loopFailed"
            }
        }
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    /// An error for a failed libsystemd call, which returns `-errno`.
    init(_ code: Code, _ what: String, result: Int32) {
        self.init(code, "\(what): \(String(cString: strerror(-result)))")
    }

    public var description: String { detail }
}
