import APDU
import CardCrypto
import PIVCard
import PivlinkTesting
import Testing

/// GENERAL AUTHENTICATE with the slot keys (SP 800-73-5 pt2 §3.2.4, App. A.3–A.5; YubiKey 5.7 for 25519), each
/// result checked with CardCrypto against the key's public half.
@Suite("GENERAL AUTHENTICATE with slot keys")
struct GeneralAuthenticateTests {
    /// A card with a key of `algorithm` generated in `slot`, the PIN verified.
    private func card(_ algorithm: AsymmetricAlgorithm, in slot: UInt8, seed: String = #function) throws
        -> (CardHarness, PublicKey)
    {
        let harness = try CardHarness(seed: seed)
        try harness.authenticate()
        let publicKey = try harness.generate(algorithm, in: slot)
        #expect(harness.verifyPIN() == .success)
        return (harness, publicKey)
    }

    @Test("pt2 App. A.3: RSA 2048 raw, chained as 10 87 … + 00 87 … and read with 61xx/GET RESPONSE")
    func rsaChained() throws {
        let (harness, publicKey) = try card(.rsa2048, in: 0x9A)
        // A PKCS #1 v1.5 encoded block: 00 01 FF… 00 <DigestInfo>, as OpenSC builds it.
        let input = hex("00 01") + [UInt8](repeating: 0xFF, count: 202) + [0x00] + (0..<51).map { UInt8($0) }
        let template = TLV(0x7C, children: [TLV(0x82, []), TLV(0x81, input)]).encoded
        #expect(template.count == 266)
        let first = harness.send(CommandAPDU(cla: 0x10, ins: 0x87, p1: 0x07, p2: 0x9A, data: Array(template.prefix(255))))
        #expect(first == ResponseAPDU(.success))
        let last = harness.send(CommandAPDU(ins: 0x87, p1: 0x07, p2: 0x9A, data: Array(template.dropFirst(255)), le: 256))
        #expect(last.status == StatusWord(0x6108))
        #expect(Array(last.data.prefix(8)) == hex("7C 82 01 04 82 82 01 00"))
        let rest = harness.send("00 C0 00 00 08")
        #expect(rest.status == .success)
        #expect(rest.data.count == 8)
        let signature = Array((last.data + rest.data).dropFirst(8))
        #expect(try publicKey.rsaRawPublic(signature) == input)
    }

    @Test("pt2 §3.2.4: ECDSA over a given hash, verified with the slot's public key",
          arguments: [(AsymmetricAlgorithm.eccP256, 32), (.eccP256, 20), (.eccP256, 64), (.eccP384, 48), (.eccP384, 32)])
    func ecdsa(algorithm: AsymmetricAlgorithm, digestLength: Int) throws {
        let (harness, publicKey) = try card(algorithm, in: 0x9A, seed: "ecdsa \(algorithm) \(digestLength)")
        let digest = (0..<digestLength).map { UInt8(truncatingIfNeeded: $0 * 13 + 1) }
        let (status, signature) = harness.generalAuthenticate(algorithm, slot: 0x9A, input: digest)
        #expect(status == .success)
        #expect(publicKey.verifyECDSA(digest: digest, derSignature: try #require(signature)))
    }

    @Test("pt2 App. A.5.2: ECDH with 85 gives the shared X the peer derives", arguments: [
        AsymmetricAlgorithm.eccP256, .eccP384,
    ])
    func ecdh(algorithm: AsymmetricAlgorithm) throws {
        let (harness, publicKey) = try card(algorithm, in: 0x9D, seed: "ecdh \(algorithm)")
        let peer = try PrivateKey.generate(algorithm)
        let (status, shared) = harness.generalAuthenticate(algorithm, slot: 0x9D, tag: 0x85,
                                                           input: peer.publicKey.ecPoint)
        #expect(status == .success)
        #expect(shared == (try peer.ecdh(peerPoint: publicKey.ecPoint)))
        #expect(shared?.count == algorithm.ecFieldByteCount)
    }

    @Test("YubiKey 5.7: Ed25519 signs the message in 81")
    func ed25519() throws {
        let (harness, publicKey) = try card(.ed25519, in: 0x9A)
        let message = Array("a message of any length, not a hash".utf8)
        let (status, signature) = harness.generalAuthenticate(.ed25519, slot: 0x9A, input: message)
        #expect(status == .success)
        #expect(publicKey.verifyEd25519(message: message, signature: try #require(signature)))
    }

    @Test("YubiKey 5.7: X25519 with 85 gives the secret the peer derives")
    func x25519() throws {
        let (harness, publicKey) = try card(.x25519, in: 0x9D)
        let peer = try PrivateKey.generate(.x25519)
        guard case .x25519(let peerPublic) = peer.publicKey, case .x25519(let cardPublic) = publicKey else {
            Issue.record("not X25519 keys")
            return
        }
        let (status, shared) = harness.generalAuthenticate(.x25519, slot: 0x9D, tag: 0x85, input: peerPublic)
        #expect(status == .success)
        #expect(shared == (try peer.x25519(peerPublic: cardPublic)))
    }

    @Test("pt1 9C 'PIN Always': every signature needs a VERIFY immediately before it")
    func signatureKeyNeedsFreshVerify() throws {
        let (harness, publicKey) = try card(.eccP256, in: 0x9C)
        let digest = [UInt8](repeating: 0x11, count: 32)
        // The VERIFY in card() was followed by nothing: the first signature works, the second does not.
        let first = harness.generalAuthenticate(.eccP256, slot: 0x9C, input: digest)
        #expect(first.status == .success)
        #expect(publicKey.verifyECDSA(digest: digest, derSignature: try #require(first.result)))
        #expect(harness.generalAuthenticate(.eccP256, slot: 0x9C, input: digest).status == StatusWord(0x6982))
        for interloper in ["00 CB 3F FF 03 5C 01 7E 00", "00 FD 00 00 00", "00 CB 3F", "00 C0 00 00 00", "80 20 00 80",
                           "10 DB 3F FF 02 5C 01"] {
            #expect(harness.verifyPIN() == .success)
            harness.send(interloper)
            let status = harness.generalAuthenticate(.eccP256, slot: 0x9C, input: digest).status
            #expect(status == StatusWord(0x6982), "after \(interloper)")
        }
        #expect(harness.verifyPIN() == .success)
        #expect(harness.generalAuthenticate(.eccP256, slot: 0x9C, input: digest).status == .success)
    }

    @Test("pt1 9C 'PIN Always': a chained RSA signature counts as the command right after VERIFY")
    func signatureKeyChained() throws {
        let (harness, publicKey) = try card(.rsa2048, in: 0x9C)
        let input = [0x00] + [UInt8](repeating: 0x5A, count: 255)
        let (status, signature) = harness.generalAuthenticate(.rsa2048, slot: 0x9C, input: input)
        #expect(status == .success)
        #expect(try publicKey.rsaRawPublic(try #require(signature)) == input)
    }

    @Test("pt1 key references: 9A, 9D and retired keys need the PIN once per session", arguments: [
        UInt8(0x9A), 0x9D, 0x82, 0x95,
    ])
    func pinOnce(slot: UInt8) throws {
        let harness = try CardHarness(seed: "pin once \(slot)")
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: slot)
        let digest = [UInt8](repeating: 0x22, count: 32)
        #expect(harness.generalAuthenticate(.eccP256, slot: slot, input: digest).status == StatusWord(0x6982))
        #expect(harness.verifyPIN() == .success)
        for _ in 0..<3 {
            let (status, signature) = harness.generalAuthenticate(.eccP256, slot: slot, input: digest)
            #expect(status == .success)
            #expect(publicKey.verifyECDSA(digest: digest, derSignature: try #require(signature)))
            harness.send("00 CB 3F FF 03 5C 01 7E 00")
        }
        harness.send("00 20 FF 80")
        #expect(harness.generalAuthenticate(.eccP256, slot: slot, input: digest).status == StatusWord(0x6982))
    }

    @Test("pt1 key references: the card authentication key 9E needs no PIN")
    func cardAuthenticationKey() throws {
        let harness = try CardHarness()
        try harness.authenticate()
        let publicKey = try harness.generate(.eccP256, in: 0x9E)
        harness.card.endSession()
        let digest = [UInt8](repeating: 0x33, count: 32)
        let (status, signature) = harness.generalAuthenticate(.eccP256, slot: 0x9E, input: digest)
        #expect(status == .success)
        #expect(publicKey.verifyECDSA(digest: digest, derSignature: try #require(signature)))
    }

    @Test("pt2 §3.2.4: P1 must be the slot key's algorithm (6A86); empty, unknown and F9 references answer 6A88")
    func references() throws {
        let (harness, _) = try card(.eccP256, in: 0x9A)
        try harness.run([
            .inject("00 87 14 9A 26 7C 24 82 00 81 20 " + String(repeating: "01 ", count: 32)), .expect("6A 86"),
            .inject("00 87 07 9A 26 7C 24 82 00 81 20 " + String(repeating: "01 ", count: 32)), .expect("6A 86"),
            .inject("00 87 11 9D 26 7C 24 82 00 81 20 " + String(repeating: "01 ", count: 32)), .expect("6A 88"),
            .inject("00 87 11 F9 26 7C 24 82 00 81 20 " + String(repeating: "01 ", count: 32)), .expect("6A 88"),
            .inject("00 87 11 01 26 7C 24 82 00 81 20 " + String(repeating: "01 ", count: 32)), .expect("6A 88"),
        ])
    }

    @Test("pt2 §3.2.4: malformed templates and inputs answer 6A80",
          arguments: [
              "00 87 11 9A 24 7C 22 81 20" + String(repeating: " 01", count: 32),  // no 82 00
              "00 87 11 9A 26 7C 24 82 00 85 20" + String(repeating: " 01", count: 32),  // 85 for ECDSA, no point
              "00 87 11 9A 28 7C 26 82 02 00 00 81 20" + String(repeating: " 01", count: 32),  // 82 not empty
              "00 87 11 9A 26 7D 24 82 00 81 20" + String(repeating: " 01", count: 32),  // not 7C
              "00 87 11 9A 26 7C 25 82 00 81 20" + String(repeating: " 01", count: 32),  // 7C too long
              "00 87 11 9A 06 7C 04 82 00 81 00",  // empty digest
              "00 87 11 9A 47 7C 45 82 00 81 41" + String(repeating: " 01", count: 65),  // digest over 64 bytes
              "00 87 11 9A 2A 7C 28 82 00 81 20" + String(repeating: " 01", count: 32) + " 85 02 04 00",  // 81 and 85
              "00 87 11 9A 47 7C 45 82 00 85 41 04" + String(repeating: " 01", count: 64),  // point not on the curve
              "00 87 11 9A 27 7C 24 82 00 81 20" + String(repeating: " 01", count: 32) + " 00 00",  // trailing byte
          ])
    func malformed(command: String) throws {
        let (harness, _) = try card(.eccP256, in: 0x9A, seed: "malformed \(command)")
        try harness.run([.inject(command), .expect("6A 80")])
    }

    @Test("pt2 §3.2.4: an RSA input that is not one modulus long and below the modulus answers 6A80")
    func rsaInputRules() throws {
        let (harness, publicKey) = try card(.rsa2048, in: 0x9A)
        guard case .rsa(let modulus, _) = publicKey else { return }
        for input in [[UInt8](repeating: 0x01, count: 255), [UInt8](repeating: 0x01, count: 257), modulus,
                      [UInt8](repeating: 0xFF, count: 256)] {
            #expect(harness.generalAuthenticate(.rsa2048, slot: 0x9A, input: input).status == StatusWord(0x6A80))
        }
    }

    @Test("YubiKey 5.7: X25519 with a small-order peer answers 6A80")
    func x25519SmallOrder() throws {
        let (harness, _) = try card(.x25519, in: 0x9D)
        let zero = [UInt8](repeating: 0, count: 32)
        #expect(harness.generalAuthenticate(.x25519, slot: 0x9D, tag: 0x85, input: zero).status == StatusWord(0x6A80))
        #expect(harness.generalAuthenticate(.ed25519, slot: 0x9D, tag: 0x85, input: zero).status == StatusWord(0x6A86))
    }
}
