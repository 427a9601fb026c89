import COpenSSL

/// Owns one OpenSSL EVP_PKEY and frees it (OpenSSL clears private components) when the last reference goes.
final class EVPKey {
    let pointer: OpaquePointer

    private init(adopting pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        pivlink_pkey_free(pointer)
    }

    /// Runs a shim constructor that stores a new key through its out-parameter.
    static func make(_ operation: @autoclosure () -> String,
                     _ construct: (UnsafeMutablePointer<OpaquePointer?>) -> pivlink_status) throws(CryptoError) -> EVPKey {
        var created: OpaquePointer?
        let status = construct(&created)
        try check(status, operation())
        guard let created else { throw CryptoError(.backend, "\(operation()): OpenSSL returned no key") }
        return EVPKey(adopting: created)
    }

    /// The PIV algorithm of this key, or `unsupported` for anything PIV does not use (RSA-PSS keys,
    /// explicit-parameter or other curves, RSA sizes other than 2048/3072/4096).
    func algorithm() throws(CryptoError) -> AsymmetricAlgorithm {
        var kind = pivlink_key_kind.rsa
        var bits: UInt32 = 0
        try check(pivlink_pkey_describe(pointer, &kind, &bits), "identifying key")
        guard let algorithm = AsymmetricAlgorithm(kind: kind, bits: Int(bits)) else {
            throw CryptoError(.unsupported, "RSA keys of \(bits) bits are not used by PIV (2048, 3072 or 4096)")
        }
        return algorithm
    }
}
