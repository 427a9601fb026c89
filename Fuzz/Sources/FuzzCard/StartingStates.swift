import APDU
import CardCrypto
import Foundation
import FuzzSupport
import PIVCard

/// The states fuzz runs start from, made once per process: key generation is far too slow to do per run.
enum StartingStates {
    static let wallClock = Date(timeIntervalSince1970: 1_800_000_000)
    /// Session settings for every run. scrypt at its cheapest: the KDF's cost is not what is fuzzed, and a VERIFY
    /// at `ScryptParameters.testing` would take most of a run's time.
    static let configuration = CardConfiguration(kdf: ScryptParameters(logN: 1, r: 1, p: 1))
    static let randomSeed: UInt64 = 0x7069_766C_696E_6B21

    /// A new credential: the attestation key, Discovery, CHUID and CCC, default PIN, PUK and management key.
    static let fresh: CardState = {
        do {
            return try CardProvisioning.newCredential(
                pin: ReferenceValue.defaultPIN, puk: ReferenceValue.defaultPUK,
                managementKey: ManagementKey(algorithm: CardProvisioning.defaultManagementKeyAlgorithm,
                                             key: CardProvisioning.defaultManagementKey, isDefault: true),
                kdf: configuration.kdf,
                environment: CardEnvironment(random: DeterministicRandom(seed: randomSeed), wallClock: { wallClock }))
        } catch {
            fatalError("cannot provision the fuzzer's starting credential: \(error)")
        }
    }()

    /// `fresh` with a key of every algorithm under every PIN policy, generated and imported keys, certificates
    /// and a PIN-protected object, all put there through APDUs. The defaults for PIN, PUK and management key stay.
    static let provisioned: CardState = {
        let harness = CardHarness(state: fresh, configuration: configuration, random: DeterministicRandom(seed: randomSeed))
        harness.authenticateManagementKey()
        for apdu in provisioningCommands {
            harness.expectSuccess(apdu, "provisioning")
        }
        return harness.card.state
    }()

    private static var provisioningCommands: [[UInt8]] {
        // Slot, algorithm, PIN policy (00 = the slot's default).
        let generated: [(UInt8, AsymmetricAlgorithm, UInt8)] = [
            (0x9A, .rsa2048, 0x00), (0x9C, .eccP256, 0x00), (0x9D, .eccP384, 0x02), (0x9E, .ed25519, 0x00),
            (0x82, .x25519, 0x00), (0x85, .eccP256, 0x03),
        ]
        let generate = generated.map { slot, algorithm, policy in
            command(0x47, 0x00, slot, TLV(0xAC, children: [TLV(0x80, [algorithm.rawValue]), TLV(0xAA, [policy])]).encoded)
        }
        let scalar = (1...32).map { UInt8($0) }
        let imports = [
            command(0xFE, AsymmetricAlgorithm.eccP256.rawValue, 0x83, TLV(0x06, scalar).encoded + TLV(0xAA, [0x01]).encoded),
            command(0xFE, AsymmetricAlgorithm.ed25519.rawValue, 0x84, TLV(0x07, scalar).encoded),
        ]
        let certificate: [UInt8] = [0x30, 0x03, 0x02, 0x01, 0x01]
        let objects = [
            (0x5FC105, TLV(0x70, certificate).encoded + TLV(0x71, [0x00]).encoded + TLV(0xFE, []).encoded),
            (0x5FC10D, TLV(0x70, certificate).encoded + TLV(0x71, [0x00]).encoded + TLV(0xFE, []).encoded),
            (0x5FC109, TLV(0x01, Array("pivlink fuzz".utf8)).encoded),
        ].map { tag, value in
            command(0xDB, 0x3F, 0xFF, TLV(0x5C, TLV.encode(tag: UInt32(tag))).encoded + TLV(0x53, value).encoded)
        }
        return generate + imports + objects
    }

    private static func command(_ ins: UInt8, _ p1: UInt8, _ p2: UInt8, _ data: [UInt8]) -> [UInt8] {
        CommandAPDU(ins: ins, p1: p1, p2: p2, data: data).serialized()
    }
}
