import CardCrypto
import Crypto

/// Everything both sides exchanged, and what the ceremony computes from it (docs/pairing-protocol.md,
/// "Cryptography").
///
/// The design is Bluetooth LE Secure Connections' numeric comparison (Core 5.4 Vol 3 Part H §2.3.5.6.2), with
/// SHA-256 and HMAC in place of its AES-CMAC functions: the card commits to its nonce and both keys like f4's
/// Cb = f4(PKb, PKa, Nb, 0) before it sees the station's nonce, the code is a hash of both keys and both nonces
/// like g2(PKa, PKb, Na, Nb) mod 10^6, and the confirmations prove the static keys like f6's DHKey checks.
struct PairingTranscript: Sendable {
    static let nonceByteCount = 32
    static let commitmentTag = Array("pivlink-pairing-v1 commit".utf8)
    static let codeTag = Array("pivlink-pairing-v1 code".utf8)
    static let transcriptTag = Array("pivlink-pairing-v1 transcript".utf8)
    static let confirmationKeyInfo = Array("pivlink-pairing-v1 confirm key".utf8)
    static let stationConfirmedLabel = Array("pivlink-pairing-v1 station confirmed".utf8)
    static let cardConfirmedLabel = Array("pivlink-pairing-v1 card confirmed".utf8)

    let stationKey: PairingPublicKey
    let cardKey: PairingPublicKey
    let commitment: [UInt8]
    let stationNonce: [UInt8]
    let cardNonce: [UInt8]

    /// C = SHA-256("pivlink-pairing-v1 commit" ‖ Pk_card ‖ Pk_station ‖ Nr): binds the card to its key and
    /// nonce before it learns the station's nonce.
    static func commitment(cardKey: PairingPublicKey, stationKey: PairingPublicKey, cardNonce: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: commitmentTag + cardKey.bytes + stationKey.bytes + cardNonce))
    }

    /// True when the revealed nonce and the keys give the commitment the card sent (compared in constant time).
    var commitmentHolds: Bool {
        ConstantTime.equals(
            Self.commitment(cardKey: cardKey, stationKey: stationKey, cardNonce: cardNonce), commitment
        )
    }

    /// The first 8 bytes of SHA-256("pivlink-pairing-v1 code" ‖ Pk_station ‖ Pk_card ‖ Ni ‖ Nr), big-endian,
    /// mod 10^6. 2^64 = 18 446 744 073 709 × 10^6 + 551 616, so codes below 551 616 are 1 + 1/18 446 744 073 709
    /// times as likely as the others: a bias of 5.4·10⁻¹⁴, against g2's 2.3·10⁻⁴ from its 32 bits.
    var code: PairingCode {
        let digest = Array(SHA256.hash(data: Self.codeTag + stationKey.bytes + cardKey.bytes + stationNonce + cardNonce))
        let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return PairingCode(value: value % PairingCode.modulus)
    }

    /// T = SHA-256("pivlink-pairing-v1 transcript" ‖ Pk_station ‖ Pk_card ‖ C ‖ Ni ‖ Nr).
    var hash: [UInt8] {
        Array(SHA256.hash(data: Self.transcriptTag + stationKey.bytes + cardKey.bytes + commitment + stationNonce + cardNonce))
    }

    /// K = HKDF-SHA256(X25519(own static, peer static), salt T, info "pivlink-pairing-v1 confirm key", 32):
    /// only the holders of the two static private keys that saw this transcript can compute it.
    func confirmationKey(own: X25519KeyPair, role: PairingRole) -> SymmetricKey {
        let peer = switch role {
        case .station: cardKey
        case .card: stationKey
        }
        return StaticKeyAgreement.sharedSecret(own: own, peer: peer).hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: hash, sharedInfo: Self.confirmationKeyInfo, outputByteCount: 32
        )
    }

    /// HMAC-SHA256(K, "pivlink-pairing-v1 station confirmed") or "… card confirmed": what `role` sends when
    /// its user confirmed.
    static func confirmation(by role: PairingRole, key: SymmetricKey) -> [UInt8] {
        let label = switch role {
        case .station: stationConfirmedLabel
        case .card: cardConfirmedLabel
        }
        return Array(HMAC<SHA256>.authenticationCode(for: label, using: key))
    }
}
