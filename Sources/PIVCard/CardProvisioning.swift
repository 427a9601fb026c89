import CardCrypto
import Foundation

/// Creates the state of a new credential, and of a credential after RESET.
public enum CardProvisioning {
    /// The management key PIV tools expect out of the box (libykpiv YKPIV_MGM_DEFAULT), with 3DES.
    public static let defaultManagementKey: [UInt8] = {
        let block: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        return block + block + block
    }()
    public static let defaultManagementKeyAlgorithm = SymmetricAlgorithm.tripleDES
    public static let defaultTries = 5
    /// How long the CHUID says the credential lasts.
    static let chuidLifetimeYears = 10

    /// A new, empty credential: no keys but the attestation key, the PIV objects middleware expects (Discovery,
    /// CHUID with a fresh GUID, CCC), and the vault wrapped under `pin` and `puk`.
    public static func newCredential(
        pin: [UInt8], puk: [UInt8], managementKey: ManagementKey, kdf: ScryptParameters,
        environment: CardEnvironment
    ) throws -> CardState {
        let random = environment.random
        var serialBytes = random.bytes(4)
        serialBytes[0] &= 0x7F  // tools print the serial as a signed 32-bit number
        let serial = max(1, serialBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        let attestationKey = try PrivateKey.generate(.eccP256)
        let authority = try AttestationAuthority.authorityCertificate(
            key: attestationKey, serial: serial, now: environment.wallClock(), random: random)
        var pkcs8 = try attestationKey.pkcs8DER()
        defer { secureWipe(&pkcs8) }
        let (vault, _) = try KeyVault.create(pin: pin, puk: puk, parameters: kdf, random: random)
        var state = CardState(
            version: 1, serial: serial,
            objects: [DataObject.attestationCertificate: ObjectTemplates.certificateObject(authority)],
            keys: [.attestation: SlotKey(algorithm: .eccP256, pinPolicy: .never, origin: .generated,
                                         publicKey: attestationKey.publicKey, privateKey: .storeKeyOnly(pkcs8: pkcs8))],
            pin: ReferenceData(triesLeft: defaultTries, maximumTries: defaultTries,
                               isDefault: ConstantTime.equals(pin, ReferenceValue.defaultPIN)),
            puk: ReferenceData(triesLeft: defaultTries, maximumTries: defaultTries,
                               isDefault: ConstantTime.equals(puk, ReferenceValue.defaultPUK)),
            managementKey: managementKey,
            vault: vault)
        addIdentityObjects(to: &state, environment: environment)
        return state
    }

    /// What RESET leaves: a new identity (GUID), no keys or objects but the attestation key and certificate,
    /// and the default PIN, PUK and management key. The serial stays, as on a YubiKey.
    static func resetState(of old: CardState, kdf: ScryptParameters, environment: CardEnvironment) throws -> CardState {
        let (vault, _) = try KeyVault.create(
            pin: ReferenceValue.defaultPIN, puk: ReferenceValue.defaultPUK, parameters: kdf, random: environment.random)
        var state = CardState(
            version: old.version + 1, serial: old.serial,
            objects: old.objects.filter { $0.key == DataObject.attestationCertificate },
            keys: old.keys.filter { $0.key == .attestation },
            pin: ReferenceData(triesLeft: defaultTries, maximumTries: defaultTries, isDefault: true),
            puk: ReferenceData(triesLeft: defaultTries, maximumTries: defaultTries, isDefault: true),
            managementKey: ManagementKey(algorithm: defaultManagementKeyAlgorithm, key: defaultManagementKey,
                                         isDefault: true),
            vault: vault)
        addIdentityObjects(to: &state, environment: environment)
        return state
    }

    private static func addIdentityObjects(to state: inout CardState, environment: CardEnvironment) {
        let random = environment.random
        state.objects[DataObject.discovery] = ObjectTemplates.discovery
        state.objects[DataObject.chuid] = ObjectTemplates.chuid(
            guid: ObjectTemplates.guid(random: random), expiry: expiryDate(from: environment.wallClock()))
        state.objects[DataObject.cardCapabilityContainer] = ObjectTemplates.cardCapabilityContainer(
            cardIdentifier: random.bytes(14))
    }

    /// YYYYMMDD, `chuidLifetimeYears` after `now`, in UTC.
    private static func expiryDate(from now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let expiry = calendar.date(byAdding: .year, value: chuidLifetimeYears, to: now) ?? now
        let parts = calendar.dateComponents([.year, .month, .day], from: expiry)
        let (year, month, day) = (parts.year ?? 0, parts.month ?? 1, parts.day ?? 1)
        return String(format: "%04d%02d%02d", year, month, day)
    }
}
