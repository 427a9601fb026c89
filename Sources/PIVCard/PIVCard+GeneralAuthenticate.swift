import APDU
import CardCrypto

/// GENERAL AUTHENTICATE (SP 800-73-5 pt2 §3.2.4): management-key authentication on 9B, and the private-key
/// operations — RSA raw, ECDSA over a given hash, ECDH, and YubiKey 5.7's Ed25519 and X25519.
extension PIVCard {
    func generalAuthenticate(_ command: CommandAPDU, pinJustVerified: Bool) -> ResponseAPDU {
        let items: [TLV]? = (try? TLV.parseSequence(command.data)).flatMap { template in
            template.count == 1 && template[0].tag == 0x7C ? try? template[0].children() : nil
        }
        if command.p2 == ManagementKeyAuthentication.keyReference {
            // A malformed step is a failed attempt too: it ends a pending challenge and the authenticated state.
            return authenticateAdministrator(algorithm: command.p1, items: items ?? [])
        }
        guard let items else { return ResponseAPDU(.incorrectData) }
        guard let slot = KeySlot(command.p2), slot != .attestation else { return ResponseAPDU(.referenceNotFound) }
        guard let slotKey = state.keys[slot] else { return ResponseAPDU(.referenceNotFound) }
        guard slotKey.algorithm.rawValue == command.p1 else { return ResponseAPDU(.incorrectP1P2) }
        switch slotKey.pinPolicy {
        case .never: break
        case .once: guard security.pinVerified else { return ResponseAPDU(.securityStatusNotSatisfied) }
        case .always: guard security.pinVerified, pinJustVerified else { return ResponseAPDU(.securityStatusNotSatisfied) }
        }
        // The request is `82 00` (give me the response) with either 81 (challenge) or 85 (exponentiation).
        guard items.first(0x82)?.value == [] else { return ResponseAPDU(.incorrectData) }
        let challenge = items.first(0x81)?.value
        let exponentiation = items.first(0x85)?.value
        guard (challenge == nil) != (exponentiation == nil) else { return ResponseAPDU(.incorrectData) }
        let key: PrivateKey
        switch unlockedKey(slot, slotKey) {
        case .success(let unlocked): key = unlocked
        case .failure(let refusal): return ResponseAPDU(refusal.status)
        }
        do {
            let result: [UInt8]
            switch (slotKey.algorithm, challenge, exponentiation) {
            case (.rsa2048, .some(let input), nil), (.rsa3072, .some(let input), nil), (.rsa4096, .some(let input), nil):
                result = try key.rsaRawPrivate(input)
            case (.eccP256, .some(let digest), nil), (.eccP384, .some(let digest), nil):
                guard !digest.isEmpty, digest.count <= 64 else { return ResponseAPDU(.incorrectData) }
                result = try key.ecdsaSign(digest: digest)
            case (.eccP256, nil, .some(let point)), (.eccP384, nil, .some(let point)):
                result = try key.ecdh(peerPoint: point)
            case (.ed25519, .some(let message), nil):
                result = try key.ed25519Sign(message: message)
            case (.x25519, nil, .some(let peer)):
                result = try key.x25519(peerPublic: peer)
            default:
                return ResponseAPDU(.incorrectData)
            }
            return ResponseAPDU(data: TLV(0x7C, children: [TLV(0x82, result)]).encoded, status: .success)
        } catch {
            return ResponseAPDU(.incorrectData)
        }
    }

    private func authenticateAdministrator(algorithm: UInt8, items: [TLV]) -> ResponseAPDU {
        let pending = security.pendingAdminChallenge
        security.pendingAdminChallenge = nil
        switch ManagementKeyAuthentication.step(
            algorithm: algorithm, items: items, key: state.managementKey, pending: pending, random: environment.random)
        {
        case .respond(let data, let challenge):
            security.pendingAdminChallenge = challenge
            return ResponseAPDU(data: data, status: .success)
        case .authenticated(let data):
            security.managementKeyAuthenticated = true
            return ResponseAPDU(data: data, status: .success)
        case .refused(let status):
            security.managementKeyAuthenticated = false
            return ResponseAPDU(status)
        }
    }

    struct Refusal: Error { let status: StatusWord }

    /// The slot's private key, unsealed with the vault key when its policy needs the PIN.
    func unlockedKey(_ slot: KeySlot, _ slotKey: SlotKey) -> Result<PrivateKey, Refusal> {
        if let cached = security.unlockedKeys[slot] { return .success(cached) }
        do {
            var pkcs8: [UInt8]
            switch slotKey.privateKey {
            case .storeKeyOnly(let stored):
                pkcs8 = stored
            case .sealedToVault(let sealed):
                guard let vault = security.vaultKey else { return .failure(Refusal(status: .securityStatusNotSatisfied)) }
                pkcs8 = try KeyVault.unseal(sealed, with: vault)
            }
            defer { secureWipe(&pkcs8) }
            let key = try PrivateKey(pkcs8DER: pkcs8, algorithm: slotKey.algorithm)
            security.unlockedKeys[slot] = key
            return .success(key)
        } catch {
            return .failure(Refusal(status: .noPreciseDiagnosis))
        }
    }
}
