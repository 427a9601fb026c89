import CardCrypto
import Pairing

/// The fixed parties of every run: fixed static keys and nonces, so that the genuine messages, and so every
/// input's meaning, are the same in every run and on replay.
enum PairingFixture {
    static let stationKey = keyPair(0x11)
    static let cardKey = keyPair(0x22)

    /// A ceremony for `role` with its fixed key and nonce.
    static func machine(_ role: PairingRole) -> PairingStateMachine {
        switch role {
        case .station: PairingStateMachine(role: .station, staticKey: stationKey, random: RepeatingRandom(0x33))
        case .card: PairingStateMachine(role: .card, staticKey: cardKey, random: RepeatingRandom(0x44))
        }
    }

    static func publicKey(_ role: PairingRole) -> [UInt8] {
        role == .station ? stationKey.publicKey : cardKey.publicKey
    }

    private static func keyPair(_ byte: UInt8) -> X25519KeyPair {
        do {
            return try X25519KeyPair(privateKey: [UInt8](repeating: byte, count: X25519KeyPair.keyByteCount))
        } catch {
            fatalError("X25519 refused a 32-byte private key: \(error)")
        }
    }
}

/// A `RandomSource` that gives one byte over and over: the nonces are fixed, so a crashing input replays exactly.
/// Nothing in a fuzz run needs them unpredictable.
struct RepeatingRandom: RandomSource {
    private let byte: UInt8

    init(_ byte: UInt8) { self.byte = byte }

    func bytes(_ count: Int) -> [UInt8] { [UInt8](repeating: byte, count: count) }
}
