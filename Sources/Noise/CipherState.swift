import Crypto

/// Noise's CipherState (rev 34 §5.1): a key `k` and a nonce `n`, encrypting with ChaChaPoly (§12.4).
///
/// The nonce of each ENCRYPT/DECRYPT is 32 bits of zeros followed by `n` as a 64-bit little-endian number. `n` only
/// grows: it counts every message sealed or opened under this CipherState, across rekeys, and 2^64−1 is reserved for
/// REKEY, so a CipherState that reaches it refuses to encrypt or decrypt anything more. A failed decryption leaves
/// `n` where it was, as the spec requires.
///
/// `k` is a `SymmetricKey`, whose storage swift-crypto zeroes when it is freed.
public struct CipherState: Sendable {
    /// The AEAD tag ChaChaPoly appends to every ciphertext.
    public static let tagLength = 16
    /// The one nonce value no message may use (§5.1, §11.3).
    public static let reservedNonce = UInt64.max

    private var k: SymmetricKey?
    /// The nonce the next EncryptWithAd or DecryptWithAd uses.
    public private(set) var n: UInt64 = 0

    /// An empty CipherState: `InitializeKey(empty)`.
    public init() {}

    /// `InitializeKey(key)`: sets `k` and resets `n` to zero.
    public init(key: SymmetricKey) {
        initializeKey(key)
    }

    /// `InitializeKey(key)`: sets `k` (nil is the spec's "empty") and resets `n` to zero.
    public mutating func initializeKey(_ key: SymmetricKey?) {
        precondition(key.map { $0.bitCount == 256 } ?? true, "a Noise cipher key is 32 bytes")
        k = key
        n = 0
    }

    /// `HasKey()`.
    public var hasKey: Bool { k != nil }

    /// `SetNonce(nonce)`: for out-of-order transports and for tests; SecureChannel never calls it.
    public mutating func setNonce(_ nonce: UInt64) {
        n = nonce
    }

    /// `EncryptWithAd(ad, plaintext)`: ENCRYPT(k, n++, ad, plaintext), or the plaintext itself while `k` is empty.
    public mutating func encryptWithAd(_ ad: [UInt8], _ plaintext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let k else { return plaintext }
        guard n != Self.reservedNonce else {
            throw NoiseError(.nonceExhausted, "this key has sealed 2^64−1 messages; run a new handshake")
        }
        let sealed = Self.encrypt(k, n, ad, plaintext)
        n += 1
        return sealed
    }

    /// `DecryptWithAd(ad, ciphertext)`: DECRYPT(k, n++, ad, ciphertext), or the ciphertext itself while `k` is
    /// empty. On an authentication failure `n` is not incremented.
    public mutating func decryptWithAd(_ ad: [UInt8], _ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard let k else { return ciphertext }
        guard n != Self.reservedNonce else {
            throw NoiseError(.nonceExhausted, "this key has opened 2^64−1 messages; run a new handshake")
        }
        guard ciphertext.count >= Self.tagLength else {
            throw NoiseError(.truncated, "a ciphertext of \(ciphertext.count) bytes is shorter than its 16-byte tag")
        }
        let plaintext: [UInt8]
        do {
            let box = try ChaChaPoly.SealedBox(combined: Self.nonce(n) + ciphertext)
            plaintext = Array(try ChaChaPoly.open(box, using: k, authenticating: ad))
        } catch {
            throw NoiseError(.decryptionFailed, "a message failed to authenticate under nonce \(n)")
        }
        n += 1
        return plaintext
    }

    /// `Rekey()`: `k` = REKEY(k), the first 32 bytes of ENCRYPT(k, 2^64−1, empty, 32 zero bytes) (§4.2, §11.3).
    /// `n` is unchanged. Does nothing while `k` is empty.
    public mutating func rekey() {
        guard let k else { return }
        let sealed = Self.encrypt(k, Self.reservedNonce, [], [UInt8](repeating: 0, count: 32))
        self.k = SymmetricKey(data: sealed.prefix(32))
    }

    /// ENCRYPT(k, n, ad, plaintext): ciphertext ‖ tag. ChaChaPoly fails only on a key or nonce of the wrong
    /// size, and both are built here.
    private static func encrypt(_ k: SymmetricKey, _ n: UInt64, _ ad: [UInt8], _ plaintext: [UInt8]) -> [UInt8] {
        do {
            let box = try ChaChaPoly.seal(
                plaintext, using: k, nonce: ChaChaPoly.Nonce(data: nonce(n)), authenticating: ad
            )
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            preconditionFailure("ChaChaPoly refused a well-formed key and nonce: \(error)")
        }
    }

    /// The 96-bit ChaChaPoly nonce for `n`: 4 zero bytes, then `n` little-endian (§12.4).
    static func nonce(_ n: UInt64) -> [UInt8] {
        [0, 0, 0, 0] + withUnsafeBytes(of: n.littleEndian) { Array($0) }
    }
}
