import COpenSSL

extension CryptoError.Code {
    init(_ status: pivlink_status) {
        switch status {
        case .ok, .backend: self = .backend  // .ok never gets here: check(_:_:) returns first
        case .invalidKey: self = .invalidKey
        case .invalidInput: self = .invalidInput
        case .unsupported: self = .unsupported
        }
    }
}

/// Throws unless a shim call succeeded. Must run right after the call, on the same thread, because the
/// reason is read from OpenSSL's thread-local error queue (those texts name OpenSSL routines and reasons,
/// never data).
func check(_ status: pivlink_status, _ operation: @autoclosure () -> String) throws(CryptoError) {
    guard status != .ok else { return }
    var text = [CChar](repeating: 0, count: 256)
    let length = pivlink_take_error_string(&text, text.count)
    let reason = String(decoding: text.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    throw CryptoError(CryptoError.Code(status), reason.isEmpty ? operation() : "\(operation()): \(reason)")
}

/// Runs a shim call that writes at most `capacity` bytes into a buffer and reports how many it wrote;
/// returns exactly those bytes (the scratch buffer is wiped when it is larger than the result).
func shimOutput(capacity: Int, _ operation: @autoclosure () -> String,
                _ call: (UnsafeMutablePointer<UInt8>, Int, UnsafeMutablePointer<Int>) -> pivlink_status)
    throws(CryptoError) -> [UInt8]
{
    var buffer = [UInt8](repeating: 0, count: capacity)
    var length = 0
    let status = call(&buffer, capacity, &length)
    try check(status, operation())
    guard length <= capacity else {
        throw CryptoError(.backend, "\(operation()): OpenSSL reported \(length) bytes for a \(capacity)-byte buffer")
    }
    guard length < capacity else { return buffer }
    let result = Array(buffer.prefix(length))
    secureWipe(&buffer)
    return result
}
