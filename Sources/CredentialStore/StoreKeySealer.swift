/// Binds the store key to this machine: `seal` turns key material into a blob that only this machine
/// can turn back with `unseal`.
///
/// `CredentialDirectory` keeps the blob in `store-key.cred` and reports any error thrown here as
/// `sealFailed` / `unsealFailed`, quoting the error's description as the reason, so an implementation
/// should throw errors whose description is one short line.
public protocol StoreKeySealer {
    func seal(_ key: [UInt8]) throws -> [UInt8]
    func unseal(_ blob: [UInt8]) throws -> [UInt8]
}
