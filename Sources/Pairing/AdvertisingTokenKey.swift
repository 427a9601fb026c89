import CardCrypto
import Crypto

/// The secret one pairing's tokens come from. Either side derives the same key from its own static private
/// key and the peer's public key, without any message: HKDF-SHA256(X25519(card, station), no salt,
/// info "pivlink-advertising-v1 token key" ‖ Pk_station ‖ Pk_card, 32 bytes).
public struct AdvertisingTokenKey: Sendable {
    static let info = Array("pivlink-advertising-v1 token key".utf8)
    static let tokenLabel = Array("adv".utf8)

    private let key: SymmetricKey

    public init(role: PairingRole, staticKey: X25519KeyPair, peerKey: PairingPublicKey) {
        let ownKey = StaticKeyAgreement.publicKey(of: staticKey)
        let (stationKey, cardKey) = switch role {
        case .station: (ownKey, peerKey)
        case .card: (peerKey, ownKey)
        }
        key = StaticKeyAgreement.sharedSecret(own: staticKey, peer: peerKey).hkdfDerivedSymmetricKey(
            using: SHA256.self, salt: [UInt8](), sharedInfo: Self.info + stationKey.bytes + cardKey.bytes,
            outputByteCount: 32
        )
    }

    /// The first 10 bytes of HMAC-SHA256(key, "adv" ‖ slot index as 8 bytes big-endian).
    public func token(for slot: AdvertisingSlot) -> AdvertisingToken {
        let slotBytes = withUnsafeBytes(of: slot.index.bigEndian) { Array($0) }
        let mac = HMAC<SHA256>.authenticationCode(for: Self.tokenLabel + slotBytes, using: key)
        do {
            return try AdvertisingToken(bytes: Array(mac.prefix(AdvertisingToken.byteCount)))
        } catch {
            preconditionFailure("an HMAC-SHA256 prefix has the token's length: \(error)")
        }
    }
}
