import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// The readiness conditions of a file descriptor, as epoll reports them.
public struct IOEvents: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static let readable = IOEvents(rawValue: EPOLLIN.rawValue)
    public static let writable = IOEvents(rawValue: EPOLLOUT.rawValue)
    /// Reported whether asked for or not.
    public static let error = IOEvents(rawValue: EPOLLERR.rawValue)
    /// Reported whether asked for or not.
    public static let hangup = IOEvents(rawValue: EPOLLHUP.rawValue)
}

/// A file descriptor watched by an `EventLoop`. The handler runs on the loop with the events that occurred.
///
/// The watch lasts until `remove()` or until this object is released, whichever comes first. The source does
/// not own the descriptor: remove the source before closing the descriptor, so epoll never watches a reused
/// number. The handler should capture its owner weakly or unowned, since the owner usually holds the source.
public final class IOSource {
    public let fileDescriptor: Int32
    /// The events asked for.
    public private(set) var events: IOEvents
    /// False while disabled: no events are reported.
    public private(set) var isEnabled = true

    private var source: OpaquePointer?
    private let handler: (IOEvents) -> Void

    init(event: OpaquePointer, fileDescriptor: Int32, events: IOEvents, handler: @escaping (IOEvents) -> Void)
        throws(EventLoopError)
    {
        self.fileDescriptor = fileDescriptor
        self.events = events
        self.handler = handler
        var source: OpaquePointer?
        // The userdata is this object, unretained: deinit removes the C source, so it never outlives us, and
        // during a dispatch the trampoline holds a strong reference.
        let result = sd_event_add_io(
            event, &source, fileDescriptor, events.rawValue,
            { _, _, revents, userdata in
                guard let userdata else { return 0 }
                let ioSource = Unmanaged<IOSource>.fromOpaque(userdata).takeUnretainedValue()
                ioSource.handler(IOEvents(rawValue: revents))
                return 0
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
        guard result >= 0, let source else {
            throw EventLoopError(.addSourceFailed, "watching fd \(fileDescriptor)", result: result)
        }
        self.source = source
    }

    deinit {
        remove()
    }

    /// Changes the events asked for.
    public func setEvents(_ newEvents: IOEvents) throws(EventLoopError) {
        let source = try liveSource()
        let result = sd_event_source_set_io_events(source, newEvents.rawValue)
        guard result >= 0 else {
            throw EventLoopError(.updateSourceFailed, "changing events of fd \(fileDescriptor)", result: result)
        }
        events = newEvents
    }

    /// Stops (false) or resumes (true) reporting events, keeping the source.
    public func setEnabled(_ enabled: Bool) throws(EventLoopError) {
        let source = try liveSource()
        let result = sd_event_source_set_enabled(source, enabled ? Int32(SD_EVENT_ON) : Int32(SD_EVENT_OFF))
        guard result >= 0 else {
            throw EventLoopError(.updateSourceFailed, "enabling fd \(fileDescriptor)", result: result)
        }
        isEnabled = enabled
    }

    /// Stops watching the descriptor for good. Safe to call more than once and from the handler itself.
    public func remove() {
        guard let source else { return }
        sd_event_source_disable_unref(source)
        self.source = nil
        isEnabled = false
    }

    private func liveSource() throws(EventLoopError) -> OpaquePointer {
        guard let source else {
            throw EventLoopError(.sourceRemoved, "fd \(fileDescriptor) is no longer watched")
        }
        return source
    }
}
