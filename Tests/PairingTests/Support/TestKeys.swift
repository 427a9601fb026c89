import CardCrypto
import Pairing
import PivlinkTesting

/// Fixed static keys: the station and the card are Alice and Bob of RFC 7748 §6.1, so the vectors in the
/// tests were computed outside this code (Python's hashlib, hmac and cryptography) from known keys.
enum TestKeys {
    static let station = keyPair("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    static let card = keyPair("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    static let otherStation = X25519KeyPair.generate(random: SeededRandom(seed: "other station"))
    static let otherCard = X25519KeyPair.generate(random: SeededRandom(seed: "other card"))
    static let mallory = X25519KeyPair.generate(random: SeededRandom(seed: "mallory"))

    static let stationPublic = hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
    static let cardPublic = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")

    static func publicKey(_ pair: X25519KeyPair) -> PairingPublicKey {
        do {
            return try PairingPublicKey(bytes: pair.publicKey)
        } catch {
            preconditionFailure("test key refused: \(error)")
        }
    }

    private static func keyPair(_ privateKey: String) -> X25519KeyPair {
        do {
            return try X25519KeyPair(privateKey: hex(privateKey))
        } catch {
            preconditionFailure("test key refused: \(error)")
        }
    }
}

/// A RandomSource that hands out the given bytes, then traps: the tests fix each side's nonce this way.
final class FixedRandom: RandomSource {
    private var remaining: [UInt8]

    init(_ bytes: [UInt8]) {
        remaining = bytes
    }

    func bytes(_ count: Int) -> [UInt8] {
        precondition(count <= remaining.count, "FixedRandom ran out of bytes")
        defer { remaining.removeFirst(count) }
        return Array(remaining.prefix(count))
    }
}
