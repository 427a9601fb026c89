import CardCrypto

/// swift-crypto exports a `CryptoError` too (an alias of its CryptoKitError); tests import both modules,
/// and a declaration in this module shadows the imported ones, so plain `CryptoError` means ours here.
typealias CryptoError = CardCrypto.CryptoError
