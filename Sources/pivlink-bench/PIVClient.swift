import APDU
import CardCrypto
import PIVCard

/// The host side of PIV, as middleware speaks it: command chaining (CLA 10) for data over 255 bytes, as OpenSC
/// does, and GET RESPONSE for answers over 256 bytes. It runs the same bytes over any `CardTransport`, so that
/// paths (a) and (b) differ only in the transport.
final class PIVClient {
    /// The PIV application (SP 800-73-5 pt1 §2.2).
    static let pivAID: [UInt8] = [0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00]
    private static let pinReference: UInt8 = 0x80
    private static let managementKeyReference: UInt8 = 0x9B
    private static let shortDataLimit = 255
    /// No PIV answer is longer than an extended APDU's.
    private static let maximumAnswer = 65_536

    private let transport: any CardTransport

    init(transport: any CardTransport) {
        self.transport = transport
    }

    /// The command as the links of a chain: every link but the last has CLA bit 0x10 and no Le.
    static func chainLinks(_ command: CommandAPDU) -> [[UInt8]] {
        guard command.data.count > shortDataLimit else { return [command.serialized()] }
        var links: [[UInt8]] = []
        var offset = 0
        while offset < command.data.count {
            let end = min(offset + shortDataLimit, command.data.count)
            let isLast = end == command.data.count
            let link = CommandAPDU(
                cla: isLast ? command.cla : command.cla | 0x10, ins: command.ins, p1: command.p1, p2: command.p2,
                data: Array(command.data[offset..<end]), le: isLast ? command.le : nil)
            links.append(link.serialized())
            offset = end
        }
        return links
    }

    /// Sends a chain and collects the whole answer through GET RESPONSE. Returns the answer and how many APDUs
    /// crossed the transport. A link other than the last that is not answered 9000 ends the chain.
    func exchange(_ links: [[UInt8]]) throws -> (response: ResponseAPDU, apdus: Int) {
        var last = ResponseAPDU(.success)
        for (index, link) in links.enumerated() {
            last = try ResponseAPDU(parsing: transport.transmit(link))
            if last.status != .success, index < links.count - 1 { return (last, index + 1) }
        }
        var apdus = links.count
        var data = last.data
        while last.status.sw1 == 0x61 {
            guard data.count <= Self.maximumAnswer else {
                throw BenchError(.card, "the card keeps answering 61xx past \(Self.maximumAnswer) bytes")
            }
            last = try ResponseAPDU(parsing: transport.transmit([0x00, 0xC0, 0x00, 0x00, last.status.sw2]))
            apdus += 1
            data += last.data
        }
        return (ResponseAPDU(data: data, status: last.status), apdus)
    }

    /// Sends `command` and returns its data, or throws naming `what` unless the card answered 9000.
    @discardableResult
    func send(_ command: CommandAPDU, _ what: String) throws -> [UInt8] {
        let (response, _) = try exchange(Self.chainLinks(command))
        guard response.status == .success else {
            throw BenchError(.card, "the card refused \(what) with status \(response.status)")
        }
        return response.data
    }

    /// SELECT of the PIV application by its full AID; the card answers its application property template.
    static var selectCommand: CommandAPDU {
        CommandAPDU(ins: 0xA4, p1: 0x04, p2: 0x00, data: pivAID, le: 256)
    }

    func selectPIV() throws {
        try send(Self.selectCommand, "SELECT PIV")
    }

    /// Mutual authentication with the 9B key (SP 800-73-5 pt2 App. A.1): decrypt the card's witness, send it
    /// back with our challenge, and check the card's encryption of that challenge.
    func authenticate(managementKey: ManagementKey, random: some RandomSource) throws {
        let algorithm = managementKey.algorithm
        let witnessRequest = TLV(0x7C, children: [TLV(0x80, [])]).encoded
        let first = try send(
            CommandAPDU(ins: 0x87, p1: algorithm.rawValue, p2: Self.managementKeyReference, data: witnessRequest, le: 256),
            "the management key witness request")
        guard let encryptedWitness = try TLV.parseSequence(first).first(0x7C)?.children().first(0x80)?.value else {
            throw BenchError(.card, "the card's witness answer has no 7C/80 object")
        }
        let witness = try BlockCipher.decrypt(algorithm, key: managementKey.key, block: encryptedWitness)
        let challenge = random.bytes(algorithm.blockByteCount)
        let proof = TLV(0x7C, children: [TLV(0x80, witness), TLV(0x81, challenge)]).encoded
        let second = try send(
            CommandAPDU(ins: 0x87, p1: algorithm.rawValue, p2: Self.managementKeyReference, data: proof, le: 256),
            "the management key (mutual authentication)")
        guard let answer = try TLV.parseSequence(second).first(0x7C)?.children().first(0x82)?.value,
              ConstantTime.equals(answer, try BlockCipher.encrypt(algorithm, key: managementKey.key, block: challenge))
        else { throw BenchError(.card, "the card did not prove it holds the management key") }
    }

    /// YubiKey IMPORT ASYMMETRIC KEY (FE) with an explicit PIN policy (tag AA).
    func importKey(_ key: BenchmarkKey, slot: UInt8, pinPolicy: PINPolicy) throws {
        var data = key.importData + TLV(0xAA, [pinPolicy.rawValue]).encoded
        defer { secureWipe(&data) }
        try send(CommandAPDU(ins: 0xFE, p1: key.algorithm.rawValue, p2: slot, data: data), "importing the \(key.name) key")
    }

    /// VERIFY with the PIN padded to 8 bytes with FF.
    func verifyPIN(_ pin: [UInt8]) throws {
        var block = pin + [UInt8](repeating: 0xFF, count: max(0, 8 - pin.count))
        defer { secureWipe(&block) }
        try send(CommandAPDU(ins: 0x20, p1: 0x00, p2: Self.pinReference, data: block), "the PIN")
    }
}
