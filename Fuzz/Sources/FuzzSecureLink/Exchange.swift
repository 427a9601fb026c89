import Link

/// The requests a genuine station sends and the answers a genuine card gives them.
enum Exchange {
    static let requests: [LinkMessage] = [
        .apdu([0x00, 0xA4, 0x04, 0x00, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08]),
        .apdu([0x00, 0xDB, 0x3F, 0xFF] + [UInt8](repeating: 0x5A, count: 296)),
        .powerOn, .powerOff, .reset, .getCredentialVersion, .ping([0x01, 0x02, 0x03]), .unpair,
    ]

    static func request(_ selector: UInt8) -> LinkMessage {
        requests[Int(selector) % requests.count]
    }

    static func answer(to request: LinkMessage) -> LinkMessage {
        switch request {
        case .apdu(let command): .response(Array(command.suffix(300)) + [0x90, 0x00])
        case .powerOn, .reset: .atr([0x3B, 0x00])
        case .powerOff: .poweredOff
        case .getCredentialVersion: .credentialVersion(7)
        case .unpair: .unpaired
        default: .error(.other)
        }
    }
}
