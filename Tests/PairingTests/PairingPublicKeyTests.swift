import Pairing
import PivlinkTesting
import Testing

@Suite struct PairingPublicKeyTests {
    /// Every small-order point of Curve25519 (libsodium's blocklist), non-canonical encodings (p − 1, p, p + 1)
    /// and top-bit-set variants, each checked with Python's cryptography to give an all-zero X25519 result.
    static let smallOrderPoints = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
    ]

    @Test(arguments: smallOrderPoints)
    func refusesSmallOrderPoints(point: String) {
        #expect(thrownCode { try PairingPublicKey(bytes: hex(point)) } == .invalidPublicKey)
    }

    @Test(arguments: [0, 31, 33, 64])
    func refusesWrongLengths(count: Int) {
        #expect(thrownCode { try PairingPublicKey(bytes: [UInt8](repeating: 9, count: count)) } == .invalidPublicKey)
    }

    @Test func acceptsRealKeys() throws {
        #expect(try PairingPublicKey(bytes: TestKeys.stationPublic).bytes == TestKeys.stationPublic)
        // The base point, u = 9.
        #expect(throws: Never.self) { try PairingPublicKey(bytes: [9] + [UInt8](repeating: 0, count: 31)) }
    }
}
