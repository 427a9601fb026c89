import APDU
import CardCrypto
import Foundation
import PIVCard
import PivlinkTesting
import Testing

/// One step of a card script: commands go in with `.inject`, answers are checked with `.expect…`, and `.step`
/// runs any other code (clock moves, session ends, checks of the stored state).
enum ScriptStep {
    /// Sends a command APDU given in hex.
    case inject(String)
    /// The last answer, data and status word, is exactly this hex.
    case expect(String)
    /// The last answer's status word is this, whatever its data.
    case expectStatus(UInt16)
    case step((CardHarness) throws -> Void)
}

/// Drives one `PIVCard` the way a reader would: hex commands in, parsed answers out, with a fake monotonic
/// clock and a store that records every saved state and can be told to fail.
final class CardHarness {
    static let pin = "123456"
    static let puk = "12345678"
    static let defaultManagementKey = ManagementKey(
        algorithm: CardProvisioning.defaultManagementKeyAlgorithm, key: CardProvisioning.defaultManagementKey,
        isDefault: true)
    /// 2026-01-01T00:00:00Z: the wall clock every test card sees, for its certificates and CHUID expiry.
    static let wallClock = Date(timeIntervalSince1970: 1_767_225_600)
    static let idleTimeout = Duration.seconds(15 * 60)

    let store = RecordingStore()
    let card: PIVCard
    /// The management key the card holds now, as far as the test knows; `authenticate()` uses it.
    var managementKey: ManagementKey
    /// The fake monotonic clock passed with every command.
    private(set) var now = Duration.seconds(1_000)
    /// The answer to the last command sent.
    private(set) var lastResponse = ResponseAPDU(StatusWord(0x0000))
    private let challenges: SeededRandom

    init(
        seed: String = #function, pin: String = CardHarness.pin, puk: String = CardHarness.puk,
        managementKey: ManagementKey = CardHarness.defaultManagementKey
    ) throws {
        let environment = CardEnvironment(random: SeededRandom(seed: seed), wallClock: { CardHarness.wallClock })
        let state = try CardProvisioning.newCredential(
            pin: Array(pin.utf8), puk: Array(puk.utf8), managementKey: managementKey, kdf: .testing,
            environment: environment)
        card = PIVCard(
            state: state, store: store, environment: environment,
            configuration: CardConfiguration(idleTimeout: Self.idleTimeout, kdf: .testing))
        self.managementKey = managementKey
        challenges = SeededRandom(seed: "host " + seed)
    }

    var state: CardState { card.state }

    // MARK: sending

    /// Sends one APDU as it is and returns the card's answer (no chaining, no GET RESPONSE).
    @discardableResult
    func send(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) -> ResponseAPDU {
        send(bytes: hex(command), sourceLocation: sourceLocation)
    }

    @discardableResult
    func send(bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> ResponseAPDU {
        let reply = card.process(bytes, now: now)
        do {
            lastResponse = try ResponseAPDU(parsing: reply)
        } catch {
            Issue.record("the card answered \(hexString(bytes)) with \(reply.count) bytes", sourceLocation: sourceLocation)
            lastResponse = ResponseAPDU(StatusWord(0x0000))
        }
        return lastResponse
    }

    @discardableResult
    func send(_ command: CommandAPDU, sourceLocation: SourceLocation = #_sourceLocation) -> ResponseAPDU {
        send(bytes: command.serialized(), sourceLocation: sourceLocation)
    }

    /// Sends a command the way OpenSC and libykpiv do: data over 255 bytes in CLA 10 links of 255, then GET
    /// RESPONSE for as long as the card answers 61xx. Returns the whole answer.
    @discardableResult
    func exchange(_ command: CommandAPDU, sourceLocation: SourceLocation = #_sourceLocation) -> ResponseAPDU {
        var remaining = command.data[...]
        while remaining.count > 255 {
            var link = command
            link.cla |= 0x10
            link.data = Array(remaining.prefix(255))
            link.le = nil
            remaining = remaining.dropFirst(255)
            let answer = send(link, sourceLocation: sourceLocation)
            guard answer.status == .success else { return answer }
        }
        var last = command
        last.data = Array(remaining)
        var answer = send(last, sourceLocation: sourceLocation)
        var data = answer.data
        while answer.status.sw1 == 0x61 {
            answer = send(CommandAPDU(ins: 0xC0, p1: 0, p2: 0, le: answer.status.sw2 == 0 ? 256 : Int(answer.status.sw2)),
                          sourceLocation: sourceLocation)
            data += answer.data
        }
        lastResponse = ResponseAPDU(data: data, status: answer.status)
        return lastResponse
    }

    /// Runs a script; each `.expect…` checks the answer to the `.inject` before it.
    func run(_ steps: [ScriptStep], sourceLocation: SourceLocation = #_sourceLocation) throws {
        for (index, step) in steps.enumerated() {
            switch step {
            case .inject(let command):
                send(command, sourceLocation: sourceLocation)
            case .expect(let answer):
                #expect(hexString(lastResponse.serialized()) == hexString(hex(answer)),
                        "step \(index)", sourceLocation: sourceLocation)
            case .expectStatus(let status):
                #expect(lastResponse.status == StatusWord(status),
                        "step \(index): \(hexString(lastResponse.serialized()))", sourceLocation: sourceLocation)
            case .step(let body):
                try body(self)
            }
        }
    }

    // MARK: clock and session

    /// Moves the fake clock; the card notices on its next command or `tick()`.
    func advance(by interval: Duration) { now += interval }

    func tick() { card.tick(now: now) }

    // MARK: common exchanges

    /// Mutual authentication with `key` (default: the key the card should hold); records an issue if refused.
    func authenticate(with key: ManagementKey? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let key = key ?? managementKey
        let algorithm = key.algorithm.rawValue
        let first = send(CommandAPDU(ins: 0x87, p1: algorithm, p2: 0x9B, data: hex("7C 02 80 00"), le: 256),
                         sourceLocation: sourceLocation)
        try #require(first.status == .success, "witness request: \(first.status)", sourceLocation: sourceLocation)
        let witness = try #require(try TLV.parseSequence(first.data).first(0x7C)?.children().first(0x80)?.value,
                                   sourceLocation: sourceLocation)
        let plain = try BlockCipher.decrypt(key.algorithm, key: key.key, block: witness)
        let challenge = challenges.bytes(key.algorithm.blockByteCount)
        let template = TLV(0x7C, children: [TLV(0x80, plain), TLV(0x81, challenge)]).encoded
        let second = send(CommandAPDU(ins: 0x87, p1: algorithm, p2: 0x9B, data: template, le: 256),
                          sourceLocation: sourceLocation)
        try #require(second.status == .success, "witness answer: \(second.status)", sourceLocation: sourceLocation)
        let expected = TLV(0x7C, children: [TLV(0x82, try BlockCipher.encrypt(key.algorithm, key: key.key,
                                                                                 block: challenge))]).encoded
        #expect(second.data == expected, "the card's answer to our challenge", sourceLocation: sourceLocation)
    }

    /// VERIFY with an FF-padded PIN.
    @discardableResult
    func verifyPIN(_ pin: String = CardHarness.pin, sourceLocation: SourceLocation = #_sourceLocation) -> StatusWord {
        send(CommandAPDU(ins: 0x20, p1: 0x00, p2: 0x80, data: Self.block(pin)), sourceLocation: sourceLocation).status
    }

    /// GENERATE ASYMMETRIC KEY PAIR (admin must be authenticated); returns the public key from the 7F49 answer.
    func generate(
        _ algorithm: AsymmetricAlgorithm, in slot: UInt8, extraItems: [TLV] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> PublicKey {
        let template = TLV(0xAC, children: [TLV(0x80, [algorithm.rawValue])] + extraItems).encoded
        let answer = exchange(CommandAPDU(ins: 0x47, p1: 0x00, p2: slot, data: template, le: 256),
                              sourceLocation: sourceLocation)
        try #require(answer.status == .success, "GENERATE \(algorithm): \(answer.status)", sourceLocation: sourceLocation)
        return try #require(Self.publicKey(fromTemplate: answer.data, algorithm: algorithm),
                            sourceLocation: sourceLocation)
    }

    @discardableResult
    func putData(_ tag: UInt32, _ value: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> StatusWord {
        let data = TLV(0x5C, TLV.encode(tag: tag)).encoded + TLV(0x53, value).encoded
        return exchange(CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: data), sourceLocation: sourceLocation).status
    }

    /// GET DATA for `tag`, following 61xx to the end.
    @discardableResult
    func getData(_ tag: UInt32, sourceLocation: SourceLocation = #_sourceLocation) -> ResponseAPDU {
        exchange(CommandAPDU(ins: 0xCB, p1: 0x3F, p2: 0xFF, data: TLV(0x5C, TLV.encode(tag: tag)).encoded, le: 256),
                 sourceLocation: sourceLocation)
    }

    /// GENERAL AUTHENTICATE with `7C { 82 00, <tag> <input> }`; returns the answer's 82 value on 9000.
    func generalAuthenticate(
        _ algorithm: AsymmetricAlgorithm, slot: UInt8, tag: UInt32 = 0x81, input: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> (status: StatusWord, result: [UInt8]?) {
        let template = TLV(0x7C, children: [TLV(0x82, []), TLV(tag, input)]).encoded
        let answer = exchange(CommandAPDU(ins: 0x87, p1: algorithm.rawValue, p2: slot, data: template, le: 256),
                              sourceLocation: sourceLocation)
        let result = try? TLV.parseSequence(answer.data).first(0x7C)?.children().first(0x82)?.value
        return (answer.status, result)
    }

    // MARK: encodings

    /// An 8-byte PIN or PUK block: the value, then FF.
    static func block(_ value: String) -> [UInt8] {
        let bytes = Array(value.utf8)
        return bytes + [UInt8](repeating: 0xFF, count: max(0, 8 - bytes.count))
    }

    /// The public key in a 7F49 template (GENERATE's answer) or in GET METADATA's tag 04 value.
    static func publicKey(fromTemplate bytes: [UInt8], algorithm: AsymmetricAlgorithm) -> PublicKey? {
        guard let outer = try? TLV.parseSequence(bytes), outer.count == 1, outer[0].tag == 0x7F49,
              let items = try? outer[0].children()
        else { return nil }
        return publicKey(fromItems: items, algorithm: algorithm)
    }

    static func publicKey(fromItems items: [TLV], algorithm: AsymmetricAlgorithm) -> PublicKey? {
        if algorithm.isRSA {
            guard items.map(\.tag) == [0x81, 0x82], let modulus = items.first(0x81)?.value,
                  let exponent = items.first(0x82)?.value
            else { return nil }
            return .rsa(modulus: modulus, exponent: exponent)
        }
        guard items.map(\.tag) == [0x86], let point = items.first(0x86)?.value else { return nil }
        switch algorithm {
        case .rsa2048, .rsa3072, .rsa4096: return nil
        case .eccP256: return .ecP256(point: point)
        case .eccP384: return .ecP384(point: point)
        case .ed25519: return .ed25519(point)
        case .x25519: return .x25519(point)
        }
    }
}
