import Pairing

/// The code of the PairingError `body` throws; nil if it returns or throws something else.
func thrownCode<T>(_ body: () throws -> T) -> PairingError.Code? {
    do {
        _ = try body()
        return nil
    } catch {
        return (error as? PairingError)?.code
    }
}
