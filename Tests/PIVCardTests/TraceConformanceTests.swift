import APDU
import CardCrypto
import PIVCard
import PivlinkTesting
import Testing

/// research/piv-apdu-trace.txt replayed as one script: OpenSC 0.23 (opensc-tool, pkcs15-tool, pkcs11-tool -L/-O,
/// signing with 9A and 9C), yubico-piv-tool 2.2 (status, verify-pin, write-object) and ykcs11, against a card set
/// up like the traced responder. Each answer must have the traced status word (only its class where the value is
/// card-specific: 63Cx, 61xx) and the traced outer tag (for GET VERSION and GET SERIAL, the traced length).
@Suite("Trace conformance: research/piv-apdu-trace.txt")
struct TraceConformanceTests {
    /// What the card must answer to one traced command.
    struct Expectation {
        enum Status: Equatable {
            case exact(UInt16)
            /// 63Cx: any retry count.
            case retriesLeft
            /// 61xx: more data waits for GET RESPONSE.
            case moreData
        }

        enum Data: Equatable {
            case none
            /// The data starts with this BER-TLV tag.
            case tag(UInt32)
            /// Exactly this many bytes (GET VERSION, GET SERIAL).
            case length(Int)
            /// A GET RESPONSE piece; with the pieces before it, it makes one TLV of the first piece's tag.
            case continuation
        }

        let status: Status
        let data: Data

        init(status: Status, data: Data) {
            self.status = status
            self.data = data
        }

        init(_ status: UInt16, _ data: Data = .none) {
            self.init(status: .exact(status), data: data)
        }

        /// The traced answer, read by the class rule.
        init(traced exchange: APDUTrace.Exchange) {
            let answer = exchange.answer
            switch answer.status.sw1 {
            case 0x63 where answer.status.sw2 & 0xF0 == 0xC0: status = .retriesLeft
            case 0x61: status = .moreData
            default: status = .exact(answer.status.value)
            }
            switch exchange.command[1] {
            case 0xC0: data = .continuation
            case 0xFD, 0xF8: data = .length(answer.dataLength)
            default: data = answer.dataLength == 0 ? .none : leadingTag(answer.dataPrefix).map(Data.tag) ?? .none
            }
        }
    }

    /// Where this card's answer legitimately differs from the traced responder's. A command takes the first row
    /// whose section (nil: any) and command pattern ("xx" matches any byte) fit it. Every row must be used.
    struct Deviation {
        let section: String?
        let command: String
        let traced: String
        let card: Expectation
        let reason: String

        func matches(_ exchange: APDUTrace.Exchange) -> Bool {
            if let section, section != exchange.section { return false }
            let pattern = command.split(separator: " ")
            guard pattern.count == exchange.command.count else { return false }
            return zip(pattern, exchange.command).allSatisfy { token, byte in
                token == "xx" || UInt8(token, radix: 16) == byte
            }
        }
    }

    static let deviations: [Deviation] = [
        Deviation(
            section: "opensc-tool -n", command: "00 CB 3F FF 03 5C 01 7E 08", traced: "6A 82",
            card: Expectation(0x9000, .tag(0x7E)),
            reason: "PIV is the default-selected application after every reset (SP 800-73-5 pt2 §2.3.1, SP 800-157r1 "
                + "App. B), so Discovery answers before OpenSC's SELECT"),
        Deviation(
            section: nil, command: "00 CB 3F FF 05 5C 03 5F C1 0C 08", traced: "6A 82",
            card: Expectation(0x9000, .tag(0x53)),
            reason: "the card synthesizes Key History (C1 = keys with on-card certificates) until an issuer writes one; "
                + "OpenSC reads retired certificates only when Key History lists them"),
        Deviation(
            section: nil, command: "00 CB 3F FF 05 5C 03 5F C1 0C", traced: "6A 82",
            card: Expectation(0x9000, .tag(0x53)),
            reason: "as above, read by ykcs11 without Le"),
        Deviation(
            section: "pkcs15-tool -D", command: "00 CB 3F FF 05 5C 03 5F C1 21 08", traced: "6A 82",
            card: Expectation(0x6982),
            reason: "Iris Images are a PIN-read object (SP 800-73-5 pt1 Table 3); the card checks the read rule before "
                + "looking for the object, as the trace itself shows for Printed Information 5FC109"),
        Deviation(
            section: "yubico-piv-tool -a status", command: "00 20 00 80 00", traced: "63 C3",
            card: Expectation(0x9000),
            reason: "SELECT keeps the security status (SP 800-73-5 pt2 §3.1.1) and no reset came since pkcs11-tool "
                + "verified the PIN for 9C, so the status query answers 9000; the responder dropped it on SELECT"),
        Deviation(
            section: "yubico-piv-tool -a write-object (mgm auth)",
            command: "00 DB 3F FF 0D 5C 03 5F C1 09 53 06 68 65 6C 6C 6F 0A", traced: "6D 00",
            card: Expectation(0x9000),
            reason: "PUT DATA is implemented (pt2 §3.3.1) and the management key was authenticated just before"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F9 9A 00 00", traced: "6D 00",
            card: Expectation(status: .moreData, data: .tag(0x30)),
            reason: "ATTEST is implemented; the 9A key was generated on the card, so the answer is an X.509 "
                + "certificate longer than one short response"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F9 9C 00 00", traced: "6D 00",
            card: Expectation(status: .moreData, data: .tag(0x30)),
            reason: "as for 9A"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F9 F9 00 00", traced: "6D 00", card: Expectation(0x6A86),
            reason: "the attestation key does not attest itself (YubiKey answers the same way)"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F9 xx 00 00", traced: "6D 00", card: Expectation(0x6A88),
            reason: "ATTEST of an empty slot: reference data not found, which ykcs11 reads as 'no key'"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F7 00 9A 00", traced: "6D 00",
            card: Expectation(0x9000, .tag(0x01)),
            reason: "GET METADATA is implemented (YubiKey 5.3+); tag 01 is the algorithm"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F7 00 9C 00", traced: "6D 00",
            card: Expectation(0x9000, .tag(0x01)), reason: "as for 9A"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F7 00 F9 00", traced: "6D 00",
            card: Expectation(0x9000, .tag(0x01)),
            reason: "every credential is made with an attestation key in F9"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 F7 00 xx 00", traced: "6D 00", card: Expectation(0x6A88),
            reason: "GET METADATA of an empty slot: reference data not found"),
        Deviation(
            section: "ykcs11 -L -O", command: "00 CB 3F FF 05 5C 03 5F FF 01", traced: "6A 82",
            card: Expectation(status: .moreData, data: .tag(0x53)),
            reason: "the attestation certificate object 5FFF01 exists from the start (it issues ATTEST answers)"),
    ]

    @Test("The traced tool runs get the traced answers, apart from the deviation table")
    func replay() throws {
        let trace = try APDUTrace.load()
        let harness = try Self.respondersTwin()
        var usedDeviations = Set<Int>()
        /// The data of a 61xx answer and the pieces after it, until the last GET RESPONSE.
        var chainedAnswer: [UInt8] = []
        var lastWitness: [UInt8]?
        var replayed = 0
        for event in trace.events {
            let exchange: APDUTrace.Exchange
            switch event {
            case .control(let byte):
                if byte == 0 || byte == 2 { harness.card.endSession() }
                continue
            case .exchange(let traced):
                exchange = traced
            }
            let command = try Self.recomputingAdministratorResponse(exchange.command, witness: lastWitness)
            let answer = harness.send(bytes: command)
            replayed += 1
            lastWitness = Self.witness(in: answer)

            var expectation = Expectation(traced: exchange)
            if let row = Self.deviations.firstIndex(where: { $0.matches(exchange) }) {
                usedDeviations.insert(row)
                expectation = Self.deviations[row].card
            }
            let context = Comment(rawValue: "line \(exchange.line) [\(exchange.section)] \(hexString(command)) → "
                + "\(hexString(answer.serialized().prefix(24)))")
            switch expectation.status {
            case .exact(let value): #expect(answer.status == StatusWord(value), context)
            case .retriesLeft: #expect(answer.status.sw1 == 0x63 && answer.status.sw2 & 0xF0 == 0xC0, context)
            case .moreData: #expect(answer.status.sw1 == 0x61, context)
            }
            switch expectation.data {
            case .none: #expect(answer.data.isEmpty, context)
            case .tag(let tag): #expect(leadingTag(answer.data) == tag, context)
            case .length(let count): #expect(answer.data.count == count, context)
            case .continuation:
                chainedAnswer += answer.data
                if answer.status == .success {
                    let whole = try? TLV.parseSequence(chainedAnswer)
                    #expect(whole?.count == 1, context)
                }
            }
            if answer.status.sw1 == 0x61, exchange.command[1] != 0xC0 {
                chainedAnswer = answer.data
            }
        }
        #expect(replayed == 328, "every command of the trace")
        let unused = Self.deviations.indices.filter { !usedDeviations.contains($0) }.map { Self.deviations[$0].command }
        #expect(unused.isEmpty, "deviation rows no traced command needed")
    }

    @Test("ATR: the traced responder's T=1 interface bytes, a valid TCK, not the contactless 3B 8x 80 01 shape")
    func answerToReset() throws {
        let trace = try APDUTrace.load()
        let atr = PIVCard.atr
        #expect(Array(atr.prefix(9)) == Array(trace.atr.prefix(9)))
        #expect(Int(atr[1] & 0x0F) == atr.count - 10, "historical byte count")
        #expect(atr.dropFirst().reduce(0, ^) == 0, "TCK")
        #expect(!(atr[1] & 0xF0 == 0x80 && atr[2] == 0x80 && atr[3] == 0x01))
    }

    /// A card like the traced responder: PIN 123456, default PUK and 3DES management key, P-256 keys generated in
    /// 9A and 9C with certificates just over one short response (so that reading them takes a GET RESPONSE, as
    /// in the trace), and a fresh session.
    static func respondersTwin() throws -> CardHarness {
        let harness = try CardHarness()
        try harness.authenticate()
        for (slot, object) in [(UInt8(0x9A), UInt32(0x5FC105)), (0x9C, 0x5FC10A)] {
            let publicKey = try harness.generate(.eccP256, in: slot)
            let certificate = try TestCertificates.certificate(
                for: publicKey, commonName: "pivlink trace twin, slot \(String(slot, radix: 16)), padded to go past "
                    + "one short response")
            let value = TestCertificates.object(certificate)
            try #require((257...500).contains(value.count + 4), "certificate object of \(value.count) bytes")
            try #require(harness.putData(object, value) == .success)
        }
        harness.card.endSession()
        return harness
    }

    /// The witness of a management-key authentication's first answer (`7C 0A 80 08 …`), if that is what it is.
    private static func witness(in answer: ResponseAPDU) -> [UInt8]? {
        try? TLV.parseSequence(answer.data).first(0x7C)?.children().first(0x80)?.value
    }

    /// The trace's second management-key step carries the decryption of the responder's random witness; the card
    /// made its own, so the command is rebuilt with the decryption of the card's witness (same host challenge).
    private static func recomputingAdministratorResponse(_ command: [UInt8], witness: [UInt8]?) throws -> [UInt8] {
        guard command.count > 5, command[1] == 0x87, command[3] == 0x9B,
              let parsed = try? CommandAPDU(parsing: command),
              let items = try? TLV.parseSequence(parsed.data).first(0x7C)?.children(),
              let challenge = items.first(0x81)?.value, items.first(0x80)?.value.isEmpty == false
        else { return command }
        let witness = try #require(witness, "second management-key step without a witness before it")
        let key = CardHarness.defaultManagementKey
        let plain = try BlockCipher.decrypt(key.algorithm, key: key.key, block: witness)
        var rebuilt = parsed
        rebuilt.data = TLV(0x7C, children: [TLV(0x80, plain), TLV(0x81, challenge)]).encoded
        return rebuilt.serialized()
    }
}
