import CSystemd

#if canImport(Glibc)
import Glibc
#endif

extension DBusError {
    /// The name to put on the wire: a name that is not a valid D-Bus error name would make the bus drop
    /// the connection, so it is sent as `org.freedesktop.DBus.Error.Failed`.
    var sendableName: String {
        Self.isValidName(name) ? name : Code.failedName
    }

    /// Stores this error in an (empty) `sd_bus_error` and returns the negative errno sd-bus expects from a
    /// callback that failed with it.
    func store(in target: UnsafeMutablePointer<sd_bus_error>) -> Int32 {
        let result = sd_bus_error_set(target, sendableName, message)
        return result < 0 ? result : -EIO
    }
}
