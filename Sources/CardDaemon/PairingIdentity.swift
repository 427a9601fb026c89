import CardCrypto
import Foundation
import Pairing

/// One side's static X25519 identity, the key the secure channel authenticates it with and the key its peers pair
/// with: the key pair and its public key as the Pairing module names it.
///
/// The private key is secret. It is encoded (`Codable`, base64) only into the encrypted store's payload; every
/// description of the identity (`description`, `debugDescription`, the mirror `dump` uses) shows its fingerprint
/// alone, so a log line or error that interpolates one never carries the key.
public struct PairingIdentity: Sendable {
    /// The private key is secret.
    public let keyPair: X25519KeyPair
    public let publicKey: PairingPublicKey

    /// A new identity with a private key from `random`.
    public static func generate(random: some RandomSource) -> PairingIdentity {
        do {
            return try PairingIdentity(keyPair: .generate(random: random))
        } catch {
            // A clamped scalar is a multiple of 8 below 8ℓ but never a multiple of ℓ (the base point's prime order),
            // so its public key always has large order.
            preconditionFailure("the public key of a generated X25519 key pair was refused: \(error.code)")
        }
    }

    /// Refuses a key pair whose public key `PairingPublicKey` refuses (`invalidPublicKey`); a stored key pair
    /// never meets that unless the store was damaged.
    public init(keyPair: X25519KeyPair) throws(PairingError) {
        self.keyPair = keyPair
        self.publicKey = try PairingPublicKey(bytes: keyPair.publicKey)
    }

    public var fingerprint: PairingFingerprint { publicKey.fingerprint }
}

/// Equal identities have equal public keys, and the public key is a function of the private key: comparing public
/// keys compares identities without comparing secrets.
extension PairingIdentity: Equatable {
    public static func == (lhs: PairingIdentity, rhs: PairingIdentity) -> Bool {
        lhs.publicKey == rhs.publicKey
    }
}

extension PairingIdentity: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "X25519 identity \(fingerprint)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["fingerprint": fingerprint.description]) }
}

extension PairingIdentity: Codable {
    private enum CodingKeys: String, CodingKey {
        case privateKey
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Data(keyPair.privateKey), forKey: .privateKey)
    }

    /// A key that is not 32 bytes of base64 is a `DecodingError` whose text names the field, never its bytes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var privateKey = [UInt8](try container.decode(Data.self, forKey: .privateKey))
        defer { secureWipe(&privateKey) }
        do {
            try self.init(keyPair: X25519KeyPair(privateKey: privateKey))
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: .privateKey, in: container,
                debugDescription: "the stored X25519 private key is not \(X25519KeyPair.keyByteCount) bytes of a usable key")
        }
    }
}
