import Crypto

/// Noise's HKDF(chaining_key, input_key_material, num_outputs) over HMAC-SHA256 (§4.3): not RFC 5869's HKDF with
/// info and length, but its extract step followed by two or three chained expand blocks with counters 1, 2, 3.
///
/// Every intermediate is a `SymmetricKey` or an HMAC state, so no key material passes through a plain array.
enum HKDF {
    /// HKDF(chainingKey, inputKeyMaterial, 2).
    static func two(
        _ chainingKey: SymmetricKey, _ inputKeyMaterial: SymmetricKey?
    ) -> (SymmetricKey, SymmetricKey) {
        let outputs = derive(chainingKey, inputKeyMaterial, count: 2)
        return (outputs[0], outputs[1])
    }

    /// HKDF(chainingKey, inputKeyMaterial, 3).
    static func three(
        _ chainingKey: SymmetricKey, _ inputKeyMaterial: SymmetricKey?
    ) -> (SymmetricKey, SymmetricKey, SymmetricKey) {
        let outputs = derive(chainingKey, inputKeyMaterial, count: 3)
        return (outputs[0], outputs[1], outputs[2])
    }

    /// temp_key = HMAC(chaining_key, ikm); output_i = HMAC(temp_key, output_{i−1} ‖ byte(i)). A nil input is the
    /// spec's zero-length input.
    private static func derive(_ chainingKey: SymmetricKey, _ inputKeyMaterial: SymmetricKey?, count: Int) -> [SymmetricKey] {
        var extract = HMAC<SHA256>(key: chainingKey)
        inputKeyMaterial?.withUnsafeBytes { extract.update(data: $0) }
        let tempKey = SymmetricKey(data: extract.finalize())
        var outputs: [SymmetricKey] = []
        for counter in 1...count {
            var expand = HMAC<SHA256>(key: tempKey)
            outputs.last?.withUnsafeBytes { expand.update(data: $0) }
            expand.update(data: [UInt8(counter)])
            outputs.append(SymmetricKey(data: expand.finalize()))
        }
        return outputs
    }
}
