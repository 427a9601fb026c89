/// An ISO 7816-4 response APDU: data followed by the status word.
public struct ResponseAPDU: Equatable, Sendable {
    public var data: [UInt8]
    public var status: StatusWord

    public init(data: [UInt8] = [], status: StatusWord) {
        self.data = data
        self.status = status
    }

    public init(_ status: StatusWord) { self.init(status: status) }

    public init(parsing bytes: [UInt8]) throws(APDUError) {
        guard bytes.count >= 2 else { throw APDUError(.tooShort, "a response needs its 2 status bytes") }
        data = Array(bytes.dropLast(2))
        status = StatusWord(sw1: bytes[bytes.count - 2], sw2: bytes[bytes.count - 1])
    }

    public func serialized() -> [UInt8] { data + status.bytes }
}
