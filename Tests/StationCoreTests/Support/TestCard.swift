import APDU
import Foundation
import PIVCard
import PivlinkTesting

/// A credential for the station's tests, made the way a user would make one: a fresh card, the management key
/// authenticated, a P-256 key generated in 9A and 9C and a certificate object written for each, all by APDU.
///
/// The tests cannot encrypt (no cipher in their dependencies), so the management key is authenticated with the
/// card's own randomness: the witness the card draws first from a `SeededRandom` is the first block a twin of
/// that source gives, and mutual authentication only needs the host to return the witness in the clear.
enum TestCard {
    static let pin = Array("123456".utf8) + [0xFF, 0xFF]
    static let wallClock = Date(timeIntervalSince1970: 1_767_225_600)
    static let idleTimeout = Duration.seconds(15 * 60)
    /// Any bytes will do: the tests read certificates back, they never parse them.
    static func certificateObject(_ slot: UInt8) -> [UInt8] {
        TLV(0x70, [UInt8](repeating: slot, count: 300)).encoded + TLV(0x71, [0x00]).encoded + TLV(0xFE, []).encoded
    }

    /// The provisioned state; every card made from it is the same credential.
    static func provisionedState() throws -> CardState {
        let management = ManagementKey(
            algorithm: CardProvisioning.defaultManagementKeyAlgorithm, key: CardProvisioning.defaultManagementKey,
            isDefault: true)
        let state = try CardProvisioning.newCredential(
            pin: Array("123456".utf8), puk: Array("12345678".utf8), managementKey: management, kdf: .testing,
            environment: CardEnvironment(random: SeededRandom(seed: "credential"), wallClock: { wallClock }))
        let card = makeCard(state, seed: "provisioning")
        var now = Duration.seconds(1)
        func send(_ command: [UInt8]) -> ResponseAPDU {
            now += .milliseconds(10)
            return (try? ResponseAPDU(parsing: card.process(command, now: now))) ?? ResponseAPDU(StatusWord(0))
        }
        for command in authenticationCommands(seed: "provisioning") {
            guard send(command).status == .success else { throw ProvisioningFailed(step: hexString(command)) }
        }
        for (slot, object) in [(UInt8(0x9A), UInt32(0x5FC105)), (0x9C, 0x5FC10A)] {
            guard send(hex("00 47 00") + [slot] + hex("05 AC 03 80 01 11")).status == .success,
                  putData(object, certificateObject(slot)).allSatisfy({ send($0).status == .success })
            else { throw ProvisioningFailed(step: "slot \(slot)") }
        }
        return card.state
    }

    /// A card over `state` whose randomness is `SeededRandom(seed:)`: two cards made with the same state and seed
    /// answer every command alike (but for what OpenSSL randomizes: key generation and ECDSA signatures).
    static func makeCard(_ state: CardState, seed: String) -> PIVCard {
        PIVCard(
            state: state, store: DiscardingStore(),
            environment: CardEnvironment(random: SeededRandom(seed: seed), wallClock: { wallClock }),
            configuration: CardConfiguration(idleTimeout: idleTimeout, kdf: .testing))
    }

    /// Mutual authentication with the default 3DES key on a card whose randomness was `SeededRandom(seed:)` and
    /// has not been drawn from yet.
    static func authenticationCommands(seed: String) -> [[UInt8]] {
        let witness = SeededRandom(seed: seed).bytes(8)
        let template = TLV(0x7C, children: [TLV(0x80, witness), TLV(0x81, [UInt8](repeating: 0x5A, count: 8))]).encoded
        return [hex("00 87 03 9B 04 7C 02 80 00"), hex("00 87 03 9B") + [UInt8(template.count)] + template]
    }

    /// PUT DATA of `value` as object `tag`, in CLA 10 links of 255 bytes as OpenSC and libykpiv send it.
    static func putData(_ tag: UInt32, _ value: [UInt8]) -> [[UInt8]] {
        var data = TLV(0x5C, TLV.encode(tag: tag)).encoded + TLV(0x53, value).encoded
        var commands: [[UInt8]] = []
        while data.count > 255 {
            commands.append(CommandAPDU(cla: 0x10, ins: 0xDB, p1: 0x3F, p2: 0xFF, data: Array(data.prefix(255))).serialized())
            data.removeFirst(255)
        }
        commands.append(CommandAPDU(ins: 0xDB, p1: 0x3F, p2: 0xFF, data: data).serialized())
        return commands
    }

    struct ProvisioningFailed: Error, CustomStringConvertible {
        let step: String
        var description: String { "provisioning the test card failed at \(step)" }
    }
}

/// The tests keep card state in memory only.
final class DiscardingStore: CardStateStore {
    func save(_ state: CardState) throws {}
}
