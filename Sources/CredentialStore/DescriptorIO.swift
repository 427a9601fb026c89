import CardCrypto
import Glibc

/// Whole-buffer reads and writes on raw descriptors (files and pipes), retrying on EINTR and short
/// transfers, with errors phrased for the user.
enum DescriptorIO {
    /// Reads to end of file; nil if there is more than `limit` bytes (what was read is wiped, as it may
    /// be secret).
    static func readAll(_ descriptor: Int32, limit: Int, describing name: String) throws -> [UInt8]? {
        var bytes: [UInt8] = []
        // Growing the array copies it; reserving keeps small secrets (keys) in a single buffer.
        bytes.reserveCapacity(min(limit, 65_536))
        var chunk = [UInt8](repeating: 0, count: 16_384)
        defer { secureWipe(&chunk) }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            guard count > 0 else {
                if errno == EINTR { continue }
                secureWipe(&bytes)
                throw failure("cannot read \(name)")
            }
            guard bytes.count + count <= limit else {
                secureWipe(&bytes)
                return nil
            }
            bytes += chunk[..<count]
        }
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32, describing name: String) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress.map { $0 + written }, buffer.count - written)
            }
            guard count >= 0 else {
                if errno == EINTR { continue }
                throw failure("cannot write \(name)")
            }
            written += count
        }
    }

    /// An `.io` error for the failed call whose errno is current: errno is read before `what` is
    /// evaluated, so building the message cannot clobber it.
    static func failure(
        _ what: @autoclosure () -> String,
        fileID: String = #fileID,
        line: Int = #line
    ) -> CredentialStoreError {
        let error = errno
        return CredentialStoreError(.io, "\(what()): \(describe(error))", fileID: fileID, line: line)
    }

    static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}
