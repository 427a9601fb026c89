/// The three ways the benchmark performs an operation.
enum BenchPath: CaseIterable {
    /// (a) `PIVCard.process` on APDU bytes, in this process.
    case inProcess
    /// (b) SCardTransmit through pcscd and vpcd to `pivlink-card serve`.
    case pcsc
    /// (c) CardCrypto's private-key call (a thin wrapper over OpenSSL EVP), no card.
    case openSSL

    var label: String {
        switch self {
        case .inProcess: "(a) in process"
        case .pcsc: "(b) PC/SC"
        case .openSSL: "(c) OpenSSL"
        }
    }
}
