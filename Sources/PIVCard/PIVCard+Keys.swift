import APDU
import CardCrypto

/// Putting keys into slots and moving them: GENERATE ASYMMETRIC KEY PAIR (pt2 §3.3.2), and YubiKey's IMPORT
/// ASYMMETRIC KEY (FE) and MOVE KEY (F6). All need the management key.
extension PIVCard {
    func generateKeyPair(_ command: CommandAPDU) -> ResponseAPDU {
        guard command.p1 == 0x00 else { return ResponseAPDU(.incorrectP1P2) }
        guard let slot = KeySlot(command.p2), slot != .attestation else { return ResponseAPDU(.incorrectP1P2) }
        guard security.managementKeyAuthenticated else { return ResponseAPDU(.securityStatusNotSatisfied) }
        guard let template = try? TLV.parseSequence(command.data), template.count == 1, template[0].tag == 0xAC,
              let items = try? template[0].children(),
              let algorithmByte = items.first(0x80)?.value, algorithmByte.count == 1,
              let algorithm = AsymmetricAlgorithm(rawValue: algorithmByte[0]),
              let policy = Self.pinPolicy(items, slot: slot)
        else { return ResponseAPDU(.incorrectData) }
        let key: PrivateKey
        do {
            key = try PrivateKey.generate(algorithm)
        } catch {
            return ResponseAPDU(.noPreciseDiagnosis)
        }
        return store(key, in: slot, policy: policy, origin: .generated)
            ?? ResponseAPDU(data: PublicKeyEncoding.template(key.publicKey), status: .success)
    }

    /// P1 algorithm, P2 slot; RSA as its CRT values 01…05, EC as the scalar 06, Ed25519 07, X25519 08.
    func importKey(_ command: CommandAPDU) -> ResponseAPDU {
        guard let slot = KeySlot(command.p2) else { return ResponseAPDU(.incorrectP1P2) }
        guard let algorithm = AsymmetricAlgorithm(rawValue: command.p1) else { return ResponseAPDU(.incorrectP1P2) }
        guard security.managementKeyAuthenticated else { return ResponseAPDU(.securityStatusNotSatisfied) }
        guard let items = try? TLV.parseSequence(command.data), let policy = Self.pinPolicy(items, slot: slot)
        else { return ResponseAPDU(.incorrectData) }
        if slot == .attestation, !AttestationAuthority.canSign(with: algorithm) {
            return ResponseAPDU(.incorrectData)
        }
        let key: PrivateKey
        do {
            switch algorithm {
            case .rsa2048, .rsa3072, .rsa4096:
                let parts = (1...5).map { items.first(UInt32($0))?.value }
                guard case let (p?, q?, dp?, dq?, qinv?) = (parts[0], parts[1], parts[2], parts[3], parts[4])
                else { return ResponseAPDU(.incorrectData) }
                key = try PrivateKey.importRSA(p: p, q: q, dp: dp, dq: dq, qinv: qinv)
            case .eccP256, .eccP384:
                guard let scalar = items.first(0x06)?.value else { return ResponseAPDU(.incorrectData) }
                key = try PrivateKey.importEC(algorithm, scalar: scalar)
            case .ed25519, .x25519:
                guard let raw = items.first(algorithm == .ed25519 ? 0x07 : 0x08)?.value
                else { return ResponseAPDU(.incorrectData) }
                key = try PrivateKey.import25519(algorithm, rawPrivate: raw)
            }
        } catch {
            return ResponseAPDU(.incorrectData)
        }
        guard key.algorithm == algorithm else { return ResponseAPDU(.incorrectData) }
        return store(key, in: slot, policy: policy, origin: .imported) ?? ResponseAPDU(.success)
    }

    /// P1 destination, P2 source; P1 FF deletes the source key. A key never lands on another key: a slot with
    /// a key must be emptied first, so that no key is lost by a mistyped slot.
    func moveKey(_ command: CommandAPDU) -> ResponseAPDU {
        guard let source = KeySlot(command.p2), source != .attestation else { return ResponseAPDU(.incorrectP1P2) }
        guard security.managementKeyAuthenticated else { return ResponseAPDU(.securityStatusNotSatisfied) }
        guard let key = state.keys[source] else { return ResponseAPDU(.referenceNotFound) }
        var next = state
        next.keys[source] = nil
        if command.p1 != 0xFF {
            guard let destination = KeySlot(command.p1), destination != .attestation, destination != source
            else { return ResponseAPDU(.incorrectP1P2) }
            guard state.keys[destination] == nil else { return ResponseAPDU(.conditionsOfUseNotSatisfied) }
            next.keys[destination] = key
        }
        next.version += 1
        guard commit(next) else { return ResponseAPDU(.memoryFailure) }
        security.unlockedKeys = [:]
        return ResponseAPDU(.success)
    }

    /// Seals `key` as its policy demands and commits it to `slot`; nil on success, else the refusal.
    private func store(_ key: PrivateKey, in slot: KeySlot, policy: PINPolicy, origin: KeyOrigin) -> ResponseAPDU? {
        do {
            var pkcs8 = try key.pkcs8DER()
            defer { secureWipe(&pkcs8) }
            let protected: ProtectedPrivateKey = policy == .never
                ? .storeKeyOnly(pkcs8: pkcs8)
                : .sealedToVault(try state.vault.seal(privateKey: pkcs8, random: environment.random))
            var next = state
            next.keys[slot] = SlotKey(algorithm: key.algorithm, pinPolicy: policy, origin: origin,
                                      publicKey: key.publicKey, privateKey: protected)
            next.version += 1
            guard commit(next) else { return ResponseAPDU(.memoryFailure) }
            security.unlockedKeys[slot] = nil
            return nil
        } catch {
            return ResponseAPDU(.noPreciseDiagnosis)
        }
    }

    /// The PIN policy from tag AA (00 = the slot's default), checking that touch (AB) asks for nothing this
    /// card cannot do: it has no button, so only "default" and "never" are accepted. The attestation key never
    /// needs the PIN.
    private static func pinPolicy(_ items: [TLV], slot: KeySlot) -> PINPolicy? {
        if let touch = items.first(0xAB)?.value, touch != [0x00], touch != [0x01] { return nil }
        guard let requested = items.first(0xAA)?.value else { return slot.defaultPINPolicy }
        guard requested.count == 1 else { return nil }
        if slot == .attestation { return requested[0] <= PINPolicy.never.rawValue ? .never : nil }
        return requested[0] == 0x00 ? slot.defaultPINPolicy : PINPolicy(rawValue: requested[0])
    }
}
