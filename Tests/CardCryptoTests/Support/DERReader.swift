/// Just enough DER to take the CRT values out of a PKCS#8 RSA key, so tests can feed them to importRSA.
struct DERReader {
    struct Malformed: Error {}

    private var remaining: ArraySlice<UInt8>

    init(_ bytes: some Collection<UInt8>) {
        remaining = ArraySlice(bytes)
    }

    var isAtEnd: Bool { remaining.isEmpty }

    /// The contents of the next element, which must carry `tag`.
    mutating func read(tag: UInt8) throws -> [UInt8] {
        guard remaining.popFirst() == tag, let first = remaining.popFirst() else { throw Malformed() }
        var length = Int(first)
        if first & 0x80 != 0 {
            let count = Int(first & 0x7F)
            guard (1...2).contains(count), remaining.count >= count else { throw Malformed() }
            length = remaining.prefix(count).reduce(0) { $0 << 8 | Int($1) }
            remaining.removeFirst(count)
        }
        guard remaining.count >= length else { throw Malformed() }
        defer { remaining.removeFirst(length) }
        return Array(remaining.prefix(length))
    }

    /// A non-negative INTEGER, big-endian without the sign padding byte.
    mutating func unsignedInteger() throws -> [UInt8] {
        let value = try read(tag: 0x02)
        return value.count > 1 && value[0] == 0 ? Array(value.dropFirst()) : value
    }
}

/// The CRT values of an RSA key, read from its PKCS#8 encoding (RFC 5208 wrapping an RFC 8017 RSAPrivateKey).
struct RSACRTComponents {
    var p, q, dp, dq, qinv: [UInt8]

    init(p: [UInt8], q: [UInt8], dp: [UInt8], dq: [UInt8], qinv: [UInt8]) {
        (self.p, self.q, self.dp, self.dq, self.qinv) = (p, q, dp, dq, qinv)
    }

    init(pkcs8DER: [UInt8]) throws {
        var document = DERReader(pkcs8DER)
        var info = DERReader(try document.read(tag: 0x30))
        _ = try info.read(tag: 0x02)  // version
        _ = try info.read(tag: 0x30)  // AlgorithmIdentifier
        var outer = DERReader(try info.read(tag: 0x04))
        var key = DERReader(try outer.read(tag: 0x30))
        for _ in 0..<4 { _ = try key.unsignedInteger() }  // version, n, e, d
        p = try key.unsignedInteger()
        q = try key.unsignedInteger()
        dp = try key.unsignedInteger()
        dq = try key.unsignedInteger()
        qinv = try key.unsignedInteger()
    }
}
