import APDU
import CardCrypto
import PIVCard

/// One card operation, measured along the paths that apply to it: its command chain for the card paths (a)
/// and (b), and for signatures the same private-key operation straight through CardCrypto (c).
struct Workload {
    let name: String
    /// The command as it crosses the transport: the links of its chain.
    let links: [[UInt8]]
    /// Path (c): CardCrypto's thin call over OpenSSL EVP with the same key and input; nil for no-key commands.
    let rawOpenSSL: (() throws -> [UInt8])?
    /// Throws unless `data` (a card's whole answer) is a correct result for this key and input.
    let checkCardAnswer: ([UInt8]) throws -> Void
    /// Throws unless `result` (path (c)'s output) is correct.
    let checkRawResult: ([UInt8]) throws -> Void

    /// ECDSA over a 32-byte hash: `00 87 11 <slot> 26 7C 24 82 00 81 20 <hash> 00`, one APDU.
    static func ecdsaSign(_ key: BenchmarkKey, slot: UInt8, random: some RandomSource) -> Workload {
        let digest = random.bytes(32)
        let check: ([UInt8]) throws -> Void = { signature in
            guard key.privateKey.publicKey.verifyECDSA(digest: digest, derSignature: signature) else {
                throw BenchError(.mismatch, "a \(key.name) signature does not verify under the benchmark's key")
            }
        }
        return Workload(
            name: "\(key.name) sign", links: generalAuthenticate(key, slot: slot, challenge: digest),
            rawOpenSSL: { try key.privateKey.ecdsaSign(digest: digest) },
            checkCardAnswer: { try check(signatureInAnswer($0)) }, checkRawResult: check)
    }

    /// The raw RSA private operation on a PKCS#1 v1.5-shaped 256-byte block: two chained links (CLA 10, then
    /// CLA 00) and one GET RESPONSE for the 264-byte answer. Raw RSA is deterministic, so every path must
    /// return exactly the same bytes.
    static func rsaSign(_ key: BenchmarkKey, slot: UInt8, random: some RandomSource) throws -> Workload {
        guard let length = key.algorithm.rsaModulusByteCount else {
            throw BenchError(.key, "rsaSign needs an RSA key, not \(key.name)")
        }
        let hash = random.bytes(32)
        let block = [0x00, 0x01] + [UInt8](repeating: 0xFF, count: length - hash.count - 3) + [0x00] + hash
        let expected = try key.privateKey.rsaRawPrivate(block)
        guard try key.privateKey.publicKey.rsaRawPublic(expected) == block else {
            throw BenchError(.mismatch, "the \(key.name) key does not invert its own private operation")
        }
        let check: ([UInt8]) throws -> Void = { result in
            guard result == expected else {
                throw BenchError(.mismatch, "a \(key.name) result differs from OpenSSL's with the same key")
            }
        }
        return Workload(
            name: "\(key.name) sign", links: generalAuthenticate(key, slot: slot, challenge: block),
            rawOpenSSL: { try key.privateKey.rsaRawPrivate(block) },
            checkCardAnswer: { try check(signatureInAnswer($0)) }, checkRawResult: check)
    }

    /// GET VERSION (YubiKey FD): no key, no crypto, a 3-byte answer; what one APDU costs by itself.
    static var getVersion: Workload {
        fixedAnswer("GET VERSION (no key)", CommandAPDU(ins: 0xFD, p1: 0x00, p2: 0x00, le: 256),
                    expected: PIVCard.firmwareVersion)
    }

    /// GET DATA of the object `tag` (`00 CB 3F FF 05 5C 03 tag 00`); the answer `card` gives now is the one
    /// expected on every path.
    static func getData(_ name: String, tag: UInt32, answeredBy card: PIVClient) throws -> Workload {
        let tagList = TLV(0x5C, [UInt8(tag >> 16 & 0xFF), UInt8(tag >> 8 & 0xFF), UInt8(tag & 0xFF)]).encoded
        let command = CommandAPDU(ins: 0xCB, p1: 0x3F, p2: 0xFF, data: tagList, le: 256)
        return fixedAnswer(name, command, expected: try card.send(command, name))
    }

    /// SELECT of the PIV application by its full AID; the application property template `card` answers now is
    /// the one expected on every path.
    static func selectPIV(answeredBy card: PIVClient) throws -> Workload {
        fixedAnswer("SELECT PIV", PIVClient.selectCommand, expected: try card.send(PIVClient.selectCommand, "SELECT PIV"))
    }

    /// A command without a key whose answer is known beforehand (a constant, or read from the card once).
    private static func fixedAnswer(_ name: String, _ command: CommandAPDU, expected: [UInt8]) -> Workload {
        Workload(
            name: name, links: PIVClient.chainLinks(command), rawOpenSSL: nil,
            checkCardAnswer: { answer in
                guard answer == expected else {
                    throw BenchError(.mismatch, "\(name) answered \(answer.count) bytes other than the \(expected.count) expected")
                }
            },
            checkRawResult: { _ in })
    }

    /// GENERAL AUTHENTICATE `7C { 82 00, 81 challenge }` to the slot, chained when longer than 255 bytes.
    private static func generalAuthenticate(_ key: BenchmarkKey, slot: UInt8, challenge: [UInt8]) -> [[UInt8]] {
        let template = TLV(0x7C, children: [TLV(0x82, []), TLV(0x81, challenge)]).encoded
        return PIVClient.chainLinks(
            CommandAPDU(ins: 0x87, p1: key.algorithm.rawValue, p2: slot, data: template, le: 256))
    }

    /// The 82 value of a GENERAL AUTHENTICATE answer `7C { 82 result }`.
    private static func signatureInAnswer(_ answer: [UInt8]) throws -> [UInt8] {
        guard let result = try TLV.parseSequence(answer).first(0x7C)?.children().first(0x82)?.value else {
            throw BenchError(.card, "the GENERAL AUTHENTICATE answer has no 7C/82 object")
        }
        return result
    }
}
