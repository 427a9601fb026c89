import CardCrypto

/// Everything the card keeps between sessions. The credential store encrypts all of it under the device-bound
/// store key; on top of that, keys whose use needs the PIN are sealed to the vault (see `KeyVault`), so a copy
/// of this value without the PIN does not yield them.
public struct CardState: Codable, Sendable, Equatable {
    /// Bumped whenever a data object or a key changes — what a reader may cache without the PIN — so that layers
    /// above can notice writes they did not see (the station's response cache keys on it). Counters, the PIN,
    /// the PUK and the management key do not bump it: answers that depend on them are never cached.
    public var version: UInt64
    /// GET SERIAL (F8).
    public var serial: UInt32
    /// Data objects by tag, each held as the value inside its 53 (or 7E, 7F61) wrapper.
    public var objects: [UInt32: [UInt8]]
    public var keys: [KeySlot: SlotKey]
    public var pin: ReferenceData
    public var puk: ReferenceData
    public var managementKey: ManagementKey
    public var vault: KeyVault

    public init(
        version: UInt64, serial: UInt32, objects: [UInt32: [UInt8]], keys: [KeySlot: SlotKey],
        pin: ReferenceData, puk: ReferenceData, managementKey: ManagementKey, vault: KeyVault
    ) {
        self.version = version
        self.serial = serial
        self.objects = objects
        self.keys = keys
        self.pin = pin
        self.puk = puk
        self.managementKey = managementKey
        self.vault = vault
    }
}

/// A key in a slot, with its public half in the clear for status and metadata.
public struct SlotKey: Codable, Sendable, Equatable {
    public var algorithm: AsymmetricAlgorithm
    public var pinPolicy: PINPolicy
    public var origin: KeyOrigin
    public var publicKey: PublicKey
    public var privateKey: ProtectedPrivateKey

    public init(
        algorithm: AsymmetricAlgorithm, pinPolicy: PINPolicy, origin: KeyOrigin, publicKey: PublicKey,
        privateKey: ProtectedPrivateKey
    ) {
        self.algorithm = algorithm
        self.pinPolicy = pinPolicy
        self.origin = origin
        self.publicKey = publicKey
        self.privateKey = privateKey
    }
}

/// How a private key is kept. Keys whose policy needs the PIN are sealed to the vault's public key; the rest
/// (9E, the attestation key) are protected by the store key alone, as SP 800-73 lets anyone use them.
public enum ProtectedPrivateKey: Codable, Sendable, Equatable {
    case storeKeyOnly(pkcs8: [UInt8])
    case sealedToVault(SealedBox)
}

/// The counters and defaults of the PIN or the PUK. The secrets themselves are not stored anywhere: each one is
/// a key that opens its wrap of the vault key.
public struct ReferenceData: Codable, Sendable, Equatable {
    public var triesLeft: Int
    public var maximumTries: Int
    /// Whether it still has the factory value, for GET METADATA and `status` warnings.
    public var isDefault: Bool

    public init(triesLeft: Int, maximumTries: Int, isDefault: Bool) {
        self.triesLeft = triesLeft
        self.maximumTries = maximumTries
        self.isDefault = isDefault
    }

    public var isBlocked: Bool { triesLeft == 0 }
}

/// The PIV Card Application Administration Key (9B).
public struct ManagementKey: Codable, Sendable, Equatable {
    public var algorithm: SymmetricAlgorithm
    public var key: [UInt8]
    public var isDefault: Bool

    public init(algorithm: SymmetricAlgorithm, key: [UInt8], isDefault: Bool) {
        self.algorithm = algorithm
        self.key = key
        self.isDefault = isDefault
    }
}
