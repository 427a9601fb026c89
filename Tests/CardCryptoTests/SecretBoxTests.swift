import CardCrypto
import PivlinkTesting
import Testing

@Suite struct SecretBoxTests {
    let key = SeededRandom(seed: "secret box key").bytes(32)
    let plaintext = Array("PKCS#8 private key bytes".utf8)
    let aad = Array("slot 9a".utf8)

    @Test func sealThenOpenRoundTrips() throws {
        let box = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SystemRandom())
        #expect(box.count == 12 + plaintext.count + 16)
        #expect(try SecretBox.open(box, key: key, authenticating: aad) == plaintext)
        let empty = try SecretBox.seal([], key: key, authenticating: [], random: SystemRandom())
        #expect(try SecretBox.open(empty, key: key, authenticating: []) == [])
    }

    @Test func nonceComesFromTheInjectedRandomSource() throws {
        let first = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SeededRandom(seed: "n"))
        let second = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SeededRandom(seed: "n"))
        #expect(first == second)
        #expect(Array(first.prefix(12)) == SeededRandom(seed: "n").bytes(12))
        let other = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SeededRandom(seed: "m"))
        #expect(other != first)
    }

    @Test func changingAnyByteFailsAuthentication() throws {
        let box = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SystemRandom())
        for index in box.indices {
            var tampered = box
            tampered[index] ^= 0x01
            let error = #expect(throws: CryptoError.self) { try SecretBox.open(tampered, key: key, authenticating: aad) }
            #expect(error?.code == .authenticationFailed, "byte \(index)")
        }
    }

    @Test func wrongContextKeyOrLengthFailsAuthentication() throws {
        let box = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SystemRandom())
        var otherKey = key
        otherKey[0] ^= 0x80
        let attempts: [([UInt8], [UInt8], [UInt8])] = [
            (box, key, Array("slot 9c".utf8)), (box, key, []), (box, otherKey, aad),
            (Array(box.dropLast()), key, aad), (Array(box.prefix(27)), key, aad), ([], key, aad), (box + [0], key, aad),
        ]
        for (candidate, candidateKey, context) in attempts {
            let error = #expect(throws: CryptoError.self) {
                try SecretBox.open(candidate, key: candidateKey, authenticating: context)
            }
            #expect(error?.code == .authenticationFailed)
        }
    }

    @Test func keyOfWrongLengthIsInvalidKey() throws {
        let short = [UInt8](repeating: 1, count: 16)
        let sealError = #expect(throws: CryptoError.self) {
            try SecretBox.seal(plaintext, key: short, authenticating: aad, random: SystemRandom())
        }
        #expect(sealError?.code == .invalidKey)
        let box = try SecretBox.seal(plaintext, key: key, authenticating: aad, random: SystemRandom())
        let openError = #expect(throws: CryptoError.self) { try SecretBox.open(box, key: short, authenticating: aad) }
        #expect(openError?.code == .invalidKey)
    }
}
