/// PIN and PUK formats on the wire: an 8-byte block, the value followed by FF padding (SP 800-73-5 pt1 §2.4.3).
public enum ReferenceValue {
    public static let defaultPIN = Array("123456".utf8)
    public static let defaultPUK = Array("12345678".utf8)

    /// The PIN inside `block`: 6 to 8 ASCII digits, then FF. Digits only, because OpenSC refuses to change a
    /// PIN to anything else (research/piv.md §7) and 800-157's letters would lock users out of it.
    public static func pin(fromBlock block: ArraySlice<UInt8>) -> [UInt8]? {
        guard let value = unpad(block), value.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return value
    }

    /// The PUK inside `block`: 6 to 8 bytes of any value but FF, then FF (yubico-piv-tool accepts 6 to 8).
    public static func puk(fromBlock block: ArraySlice<UInt8>) -> [UInt8]? {
        unpad(block)
    }

    public static func isValidPIN(_ value: [UInt8]) -> Bool { pin(fromBlock: padded(value)[...]) == value }
    public static func isValidPUK(_ value: [UInt8]) -> Bool { puk(fromBlock: padded(value)[...]) == value }

    /// `value` padded with FF to the 8-byte block.
    public static func padded(_ value: [UInt8]) -> [UInt8] {
        value + [UInt8](repeating: 0xFF, count: max(0, 8 - value.count))
    }

    private static func unpad(_ block: ArraySlice<UInt8>) -> [UInt8]? {
        guard block.count == 8 else { return nil }
        let value = block.prefix { $0 != 0xFF }
        guard value.count >= 6, block.dropFirst(value.count).allSatisfy({ $0 == 0xFF }) else { return nil }
        return Array(value)
    }
}
