import ArgumentParser
import CardCrypto
import CardDaemon
import CredentialStore
import PIVCard

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create an empty credential: no keys yet, the PIN, PUK and management key set, a new pairing key.",
        discussion: """
            Without --pin, --puk and --management-key the card gets the values PIV tools expect out of the box \
            (PIN 123456, PUK 12345678, 3DES management key 010203040506070801020304050607080102030405060708); \
            change them before the credential holds anything of value.
            """
    )

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: "The PIN: 6 to 8 digits.")
    var pin: String?

    @Option(help: "The PUK: 6 to 8 characters.")
    var puk: String?

    @Option(name: .customLong("management-key"), help: "The management key in hex (24 bytes for 3DES).")
    var managementKey: String?

    @Option(name: .customLong("management-key-algorithm"), help: "3des, aes128, aes192 or aes256.")
    var managementKeyAlgorithm: ManagementKeyAlgorithmArgument = .tripleDES

    @Flag(help: "Replace an existing credential in the store directory (its keys are lost).")
    var force = false

    func validate() throws {
        if let pin, !ReferenceValue.isValidPIN(Array(pin.utf8)) {
            throw ValidationError("--pin must be 6 to 8 digits")
        }
        if let puk, !ReferenceValue.isValidPUK(Array(puk.utf8)) {
            throw ValidationError("--puk must be 6 to 8 characters")
        }
        if managementKey == nil, managementKeyAlgorithm.algorithm != CardProvisioning.defaultManagementKeyAlgorithm {
            throw ValidationError("--management-key-algorithm \(managementKeyAlgorithm.rawValue) needs --management-key")
        }
        if let managementKey {
            let length = managementKeyAlgorithm.algorithm.keyByteCount
            guard let bytes = HexArgument.bytes(managementKey), bytes.count == length else {
                throw ValidationError("--management-key must be \(length * 2) hex digits for \(managementKeyAlgorithm.rawValue)")
            }
        }
    }

    func run() throws {
        let algorithm = managementKeyAlgorithm.algorithm
        let keyBytes = managementKey.flatMap(HexArgument.bytes) ?? CardProvisioning.defaultManagementKey
        let pinBytes = pin.map { Array($0.utf8) } ?? ReferenceValue.defaultPIN
        let pukBytes = puk.map { Array($0.utf8) } ?? ReferenceValue.defaultPUK
        let state = try CardProvisioning.newCredential(
            pin: pinBytes, puk: pukBytes,
            managementKey: ManagementKey(algorithm: algorithm, key: keyBytes,
                                         isDefault: managementKey == nil),
            kdf: .interactive, environment: CardEnvironment())
        let random = SystemRandom()
        let pairings = CardPairings.generate(random: random)
        _ = try CredentialDirectory.create(
            at: storeOptions.store,
            payload: try CardStateDocument(state: state, pairings: pairings).encoded(), force: force,
            sealer: SystemdCredsSealer(), random: random)
        let status = CardStatus(state)
        print("Created a PIV credential in \(storeOptions.store): serial \(status.serial), GUID \(status.guid ?? "-").")
        print("The card's pairing key is \(pairings.fingerprint); no station is paired yet.")
        let defaults = [
            pin == nil ? "PIN 123456" : nil,
            puk == nil ? "PUK 12345678" : nil,
            managementKey == nil ? "management key 010203040506070801020304050607080102030405060708 (3DES)" : nil,
        ].compactMap { $0 }
        if !defaults.isEmpty {
            print("It uses the default \(defaults.joined(separator: ", ")).")
            print("Warning: these defaults are public; change them before the credential holds a key of value "
                + "(yubico-piv-tool -a change-pin, -a change-puk, -a set-mgm-key).")
        }
    }
}

enum ManagementKeyAlgorithmArgument: String, ExpressibleByArgument, CaseIterable {
    case tripleDES = "3des", aes128, aes192, aes256

    var algorithm: SymmetricAlgorithm {
        switch self {
        case .tripleDES: .tripleDES
        case .aes128: .aes128
        case .aes192: .aes192
        case .aes256: .aes256
        }
    }
}

enum HexArgument {
    /// The bytes of an even-length hex string, or nil.
    static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }
}
