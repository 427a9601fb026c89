import Link

/// The code of the LinkError `body` throws; nil if it returns or throws something else.
func thrownCode<T>(_ body: () throws -> T) -> LinkError.Code? {
    do {
        _ = try body()
        return nil
    } catch {
        return (error as? LinkError)?.code
    }
}
