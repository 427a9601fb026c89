import COpenSSL

/// Overwrites the array's bytes with zeros (OPENSSL_cleanse, which the optimiser cannot drop), keeping
/// its length. Best effort: copies the array shared earlier, or buffers it outgrew, are not reached.
public func secureWipe(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { buffer in
        guard let base = buffer.baseAddress else { return }
        pivlink_cleanse(base, buffer.count)
    }
}
