import CardCrypto
import Crypto

/// X25519 between this side's static key and a peer's, the secret under the confirmation and token keys.
enum StaticKeyAgreement {
    static func sharedSecret(own: X25519KeyPair, peer: PairingPublicKey) -> SharedSecret {
        do {
            let privateKey = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: own.privateKey)
            return try privateKey.sharedSecretFromKeyAgreement(with: peer.agreementKey)
        } catch {
            // X25519KeyPair holds 32 bytes and PairingPublicKey refused every key that gives a zero secret.
            preconditionFailure("X25519 failed on a validated key pair: \(error)")
        }
    }

    static func publicKey(of own: X25519KeyPair) -> PairingPublicKey {
        do {
            return try PairingPublicKey(bytes: own.publicKey)
        } catch {
            preconditionFailure("an X25519 key pair's own public key is of small order: \(error)")
        }
    }
}
