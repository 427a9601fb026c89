import APDU

/// YubiKey GET METADATA (F7, firmware 5.3+): what a slot holds, without needing any authentication.
/// Tags: 01 algorithm, 02 PIN and touch policy, 03 origin, 04 public key, 05 still the default value,
/// 06 total and remaining tries.
extension PIVCard {
    private static let touchNever: UInt8 = 0x01

    func getMetadata(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x00 else { return ResponseAPDU(.incorrectP1P2) }
        let items: [TLV]
        switch command.p2 {
        case Self.pinReference, Self.pukReference:
            let reference = command.p2 == Self.pinReference ? state.pin : state.puk
            items = [
                TLV(0x01, [0xFF]),
                TLV(0x05, [reference.isDefault ? 1 : 0]),
                TLV(0x06, [UInt8(reference.maximumTries), UInt8(reference.triesLeft)]),
            ]
        case ManagementKeyAuthentication.keyReference:
            items = [
                TLV(0x01, [state.managementKey.algorithm.rawValue]),
                TLV(0x02, [0x00, Self.touchNever]),
                TLV(0x05, [state.managementKey.isDefault ? 1 : 0]),
            ]
        default:
            guard let slot = KeySlot(command.p2) else { return ResponseAPDU(.incorrectP1P2) }
            guard let key = state.keys[slot] else { return ResponseAPDU(.referenceNotFound) }
            items = [
                TLV(0x01, [key.algorithm.rawValue]),
                TLV(0x02, [key.pinPolicy.rawValue, Self.touchNever]),
                TLV(0x03, [key.origin.rawValue]),
                TLV(0x04, PublicKeyEncoding.items(key.publicKey).flatMap(\.encoded)),
            ]
        }
        return ResponseAPDU(data: items.flatMap(\.encoded), status: .success)
    }
}
