import CardCrypto
import Foundation

/// Settings of a card session.
public struct CardConfiguration: Sendable {
    /// How long the PIN-verified and management-key-authenticated states last without a command.
    public var idleTimeout: Duration
    /// scrypt cost for new PIN and PUK wraps.
    public var kdf: ScryptParameters

    public init(idleTimeout: Duration = .seconds(15 * 60), kdf: ScryptParameters = .interactive) {
        self.idleTimeout = idleTimeout
        self.kdf = kdf
    }
}

/// What the card needs from the world besides commands: randomness and the date for the certificates it makes.
public struct CardEnvironment {
    public var random: any RandomSource
    public var wallClock: () -> Date

    public init(random: any RandomSource = SystemRandom(), wallClock: @escaping () -> Date = { Date() }) {
        self.random = random
        self.wallClock = wallClock
    }
}
