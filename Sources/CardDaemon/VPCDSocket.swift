#if canImport(Glibc)
import Glibc
#endif

/// The few BSD socket calls the vpcd shell makes, on non-blocking, close-on-exec TCP sockets, with errno
/// turned into values. Nothing here blocks except `resolve`, which may ask DNS for a host name (give a
/// numeric address such as 127.0.0.1 to avoid that).
enum VPCDSocket {
    /// One address from getaddrinfo, copied out of the list so the list can be freed.
    struct Address: CustomStringConvertible {
        let family: Int32
        let storage: sockaddr_storage
        let length: socklen_t

        /// "127.0.0.1:40193" or "[::1]:40193".
        var description: String {
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
            var copy = storage
            let result = withUnsafePointer(to: &copy) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    getnameinfo(
                        address, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                        NI_NUMERICHOST | NI_NUMERICSERV
                    )
                }
            }
            guard result == 0 else { return "(unprintable address)" }
            let hostText = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let serviceText = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return family == AF_INET6 ? "[\(hostText)]:\(serviceText)" : "\(hostText):\(serviceText)"
        }

        func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
            var copy = storage
            return withUnsafePointer(to: &copy) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
            }
        }
    }

    enum ConnectStart {
        case connected
        case inProgress
        case failed(errno: Int32)
    }

    enum Accepted {
        case connection(fileDescriptor: Int32, peer: Address)
        case none
        case failed(errno: Int32)
    }

    enum Received {
        case bytes(Int)
        case endOfStream
        case wouldBlock
        case failed(errno: Int32)
    }

    enum Sent {
        case bytes(Int)
        case wouldBlock
        case failed(errno: Int32)
    }

    /// The TCP addresses of `host:port`, IPv4 and IPv6, in getaddrinfo's order of preference. `passive`
    /// asks for addresses to listen on.
    static func resolve(host: String, port: UInt16, passive: Bool) -> Swift.Result<[Address], ResolutionFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let result = getaddrinfo(host, String(port), &hints, &list)
        guard result == 0, let list else {
            return .failure(ResolutionFailure(text: String(cString: gai_strerror(result))))
        }
        defer { freeaddrinfo(list) }
        var addresses: [Address] = []
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let current = entry?.pointee {
            if let source = current.ai_addr, current.ai_addrlen <= MemoryLayout<sockaddr_storage>.size {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { target in
                    target.copyMemory(from: UnsafeRawBufferPointer(start: source, count: Int(current.ai_addrlen)))
                }
                addresses.append(Address(family: current.ai_family, storage: storage, length: current.ai_addrlen))
            }
            entry = current.ai_next
        }
        return addresses.isEmpty ? .failure(ResolutionFailure(text: "no TCP address")) : .success(addresses)
    }

    struct ResolutionFailure: Error {
        let text: String
    }

    /// A new non-blocking stream socket for `address`'s family, or errno.
    static func open(for address: Address) -> Swift.Result<Int32, SystemFailure> {
        let fileDescriptor = socket(
            address.family,
            Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue),
            0
        )
        return fileDescriptor >= 0 ? .success(fileDescriptor) : .failure(SystemFailure(errno: errno))
    }

    static func startConnect(_ fileDescriptor: Int32, to address: Address) -> ConnectStart {
        let result = address.withSockaddr { connect(fileDescriptor, $0, $1) }
        if result == 0 {
            return .connected
        }
        let error = errno
        return error == EINPROGRESS || error == EINTR ? .inProgress : .failed(errno: error)
    }

    /// The outcome of a non-blocking connect once the socket turned writable: 0 for success, else errno.
    static func connectResult(_ fileDescriptor: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fileDescriptor, SOL_SOCKET, SO_ERROR, &error, &length) == 0 else {
            return errno
        }
        return error
    }

    /// vpcd exchanges small messages in lock-step; Nagle's algorithm would only add delay.
    static func disableNagle(_ fileDescriptor: Int32) {
        var on: Int32 = 1
        // Best effort: a socket without TCP_NODELAY still works, only slower.
        _ = setsockopt(fileDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Debian 12's vpcd writes each APDU as two send() calls (length, then body) without TCP_NODELAY, so
    /// Nagle holds the body until the length is acknowledged, and Linux delays that ACK by ~40 ms: measured
    /// 49 ms per APDU instead of ~0.1 ms (scripts/bench card). TCP_QUICKACK turns the delay off, but the kernel
    /// clears it again as it sees fit, so it is set after every read. Best effort, like TCP_NODELAY.
    static func acknowledgeAtOnce(_ fileDescriptor: Int32) {
        var on: Int32 = 1
        _ = setsockopt(fileDescriptor, Int32(IPPROTO_TCP), TCP_QUICKACK, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A non-blocking socket bound to `address` (with SO_REUSEADDR, so a restart need not wait out
    /// TIME_WAIT) and listening with a backlog of one.
    static func listen(on address: Address) -> Swift.Result<Int32, SystemFailure> {
        let fileDescriptor: Int32
        switch open(for: address) {
        case .success(let opened): fileDescriptor = opened
        case .failure(let failure): return .failure(failure)
        }
        var on: Int32 = 1
        guard setsockopt(fileDescriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size)) == 0,
            address.withSockaddr({ bind(fileDescriptor, $0, $1) }) == 0,
            Glibc.listen(fileDescriptor, 1) == 0
        else {
            let failure = SystemFailure(errno: errno)
            close(fileDescriptor)
            return .failure(failure)
        }
        return .success(fileDescriptor)
    }

    static func accept(_ listener: Int32) -> Accepted {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        // accept4 is hidden behind _GNU_SOURCE in Glibc's module map, so the flags are set afterwards; the
        // single-threaded daemon execs nothing in between.
        let fileDescriptor = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Glibc.accept(listener, address, &length)
            }
        }
        guard fileDescriptor >= 0 else {
            let error = errno
            return error == EAGAIN || error == EWOULDBLOCK || error == EINTR ? .none : .failed(errno: error)
        }
        let statusFlags = fcntl(fileDescriptor, F_GETFL)
        guard statusFlags >= 0,
            fcntl(fileDescriptor, F_SETFL, statusFlags | O_NONBLOCK) == 0,
            fcntl(fileDescriptor, F_SETFD, FD_CLOEXEC) == 0
        else {
            let error = errno
            close(fileDescriptor)
            return .failed(errno: error)
        }
        let peer = Address(family: Int32(storage.ss_family), storage: storage, length: length)
        return .connection(fileDescriptor: fileDescriptor, peer: peer)
    }

    static func receive(_ fileDescriptor: Int32, into buffer: inout [UInt8]) -> Received {
        let count = buffer.withUnsafeMutableBytes { bytes in
            recv(fileDescriptor, bytes.baseAddress, bytes.count, 0)
        }
        if count > 0 {
            acknowledgeAtOnce(fileDescriptor)
            return .bytes(count)
        }
        if count == 0 {
            return .endOfStream
        }
        let error = errno
        return error == EAGAIN || error == EWOULDBLOCK || error == EINTR ? .wouldBlock : .failed(errno: error)
    }

    /// Sends without raising SIGPIPE when vpcd has gone.
    static func send(_ fileDescriptor: Int32, _ bytes: ArraySlice<UInt8>) -> Sent {
        let count = bytes.withUnsafeBytes { buffer in
            Glibc.send(fileDescriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
        }
        if count >= 0 {
            return .bytes(count)
        }
        let error = errno
        return error == EAGAIN || error == EWOULDBLOCK || error == EINTR ? .wouldBlock : .failed(errno: error)
    }

    /// An errno, printable.
    struct SystemFailure: Error, CustomStringConvertible {
        let errno: Int32

        var description: String { String(cString: strerror(errno)) }
    }

    static func describe(errno: Int32) -> String {
        SystemFailure(errno: errno).description
    }
}
