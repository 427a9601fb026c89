/// The output of `PublicKeyBox.seal`: the sender's ephemeral X25519 public key and a `SecretBox` box.
public struct SealedBox: Sendable, Equatable, Codable {
    public var ephemeralPublic: [UInt8]
    public var box: [UInt8]

    public init(ephemeralPublic: [UInt8], box: [UInt8]) {
        self.ephemeralPublic = ephemeralPublic
        self.box = box
    }
}
