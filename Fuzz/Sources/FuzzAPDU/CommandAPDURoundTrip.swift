import APDU
import FuzzSupport

/// `CommandAPDU(parsing:)` either rejects the bytes or yields a command that serializes back to a form that
/// parses to the same command; the serialization is byte-identical whenever the input already used the form the
/// serializer picks (short lengths when they fit).
enum CommandAPDURoundTrip {
    static func check(_ bytes: [UInt8]) {
        guard let command = try? CommandAPDU(parsing: bytes) else { return }
        invariant(command.le.map { (1...65536).contains($0) } ?? true, "Le \(String(describing: command.le)) out of range for \(bytes.hex)")
        let serialized = command.serialized()
        let reparsed: CommandAPDU
        do {
            reparsed = try CommandAPDU(parsing: serialized)
        } catch {
            invariant(false, "serialized form \(serialized.hex) of \(bytes.hex) does not parse: \(error)")
            return
        }
        invariant(reparsed == command, "round trip of \(bytes.hex) through \(serialized.hex) changed the command")
        let inputIsExtended = bytes.count > 5 && bytes[4] == 0x00
        let needsExtended = command.data.count > 255 || (command.le ?? 0) > 256
        if inputIsExtended == needsExtended {
            invariant(serialized == bytes, "canonical \(bytes.hex) serialized as \(serialized.hex)")
        }
    }
}
