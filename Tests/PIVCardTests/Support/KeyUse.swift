import APDU
import CardCrypto
import Testing

/// Uses a slot key through GENERAL AUTHENTICATE and checks the result with its public key.
enum KeyUse {
    static func check(
        _ harness: CardHarness, slot: UInt8, publicKey: PublicKey, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let algorithm = publicKey.algorithm
        switch publicKey {
        case .rsa(let modulus, _):
            let input = [0x00] + (1..<modulus.count).map { UInt8(truncatingIfNeeded: $0 * 31) }
            let (status, output) = harness.generalAuthenticate(algorithm, slot: slot, input: input,
                                                               sourceLocation: sourceLocation)
            #expect(status == .success, sourceLocation: sourceLocation)
            let signature = try #require(output, sourceLocation: sourceLocation)
            #expect(try publicKey.rsaRawPublic(signature) == input, sourceLocation: sourceLocation)
        case .ecP256, .ecP384:
            let digest = [UInt8](repeating: 0x66, count: 32)
            let (status, signature) = harness.generalAuthenticate(algorithm, slot: slot, input: digest,
                                                                  sourceLocation: sourceLocation)
            #expect(status == .success, sourceLocation: sourceLocation)
            let der = try #require(signature, sourceLocation: sourceLocation)
            #expect(publicKey.verifyECDSA(digest: digest, derSignature: der), sourceLocation: sourceLocation)
        case .ed25519:
            let message = Array("key use".utf8)
            let (status, signature) = harness.generalAuthenticate(algorithm, slot: slot, input: message,
                                                                  sourceLocation: sourceLocation)
            #expect(status == .success, sourceLocation: sourceLocation)
            let raw = try #require(signature, sourceLocation: sourceLocation)
            #expect(publicKey.verifyEd25519(message: message, signature: raw), sourceLocation: sourceLocation)
        case .x25519(let cardPublic):
            let peer = try PrivateKey.generate(.x25519)
            guard case .x25519(let peerPublic) = peer.publicKey else { return }
            let (status, shared) = harness.generalAuthenticate(algorithm, slot: slot, tag: 0x85, input: peerPublic,
                                                               sourceLocation: sourceLocation)
            #expect(status == .success, sourceLocation: sourceLocation)
            #expect(shared == (try peer.x25519(peerPublic: cardPublic)), sourceLocation: sourceLocation)
        }
    }
}
