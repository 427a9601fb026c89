/// The value of the card's info characteristic (`898a0004-…`, read): which protocol versions the card speaks,
/// the largest fragment and message it handles, and its capabilities. docs/link-protocol.md, "Info".
///
/// Layout, 10 bytes, big-endian:
///
///     00  minimum version      u8
///     01  maximum version      u8
///     02  maximum fragment     u16   20…512
///     04  maximum message      u16   261…65535
///     06  capabilities         u32
///
/// A reader takes the first 10 bytes and ignores any after them, which later versions may append.
public struct LinkInfo: Hashable, Sendable {
    /// The protocol version this document and this code define.
    public static let protocolVersion: UInt8 = 1
    public static let encodedLength = 10
    /// Every peer carries at least a short APDU (5 + 255 + 1 bytes) and its response (256 + 2).
    public static let minimumMessageLimit = 261

    /// The versions the card speaks, lowest first; never includes 0.
    public let versions: ClosedRange<UInt8>
    /// The largest fragment the card sends or accepts, whatever the MTU: 20…512.
    public let maximumFragment: Int
    /// The largest message payload the card sends or accepts: 261…65535. The station sends nothing larger, and
    /// takes a larger message from the card as an error.
    public let maximumMessage: Int
    public let capabilities: LinkCapabilities

    /// A card's own info. Values outside the ranges above are a bug in the caller and trap.
    public init(
        versions: ClosedRange<UInt8> = protocolVersion...protocolVersion,
        maximumFragment: Int = LinkFragment.maximumSize,
        maximumMessage: Int = LinkFrame.maximumPayloadLength,
        capabilities: LinkCapabilities = []
    ) {
        precondition(Self.isValid(versions: versions, maximumFragment: maximumFragment, maximumMessage: maximumMessage),
                     "info outside the ranges of docs/link-protocol.md")
        self.versions = versions
        self.maximumFragment = maximumFragment
        self.maximumMessage = maximumMessage
        self.capabilities = capabilities
    }

    /// Reads the characteristic's value as the station received it; throws `.invalidInfo`.
    public init(bytes: [UInt8]) throws(LinkError) {
        guard bytes.count >= Self.encodedLength else {
            throw LinkError(.invalidInfo, "the info characteristic holds \(bytes.count) bytes; version 1 needs \(Self.encodedLength)")
        }
        let minimumVersion = bytes[0], maximumVersion = bytes[1]
        let maximumFragment = Int(bytes[2]) << 8 | Int(bytes[3])
        let maximumMessage = Int(bytes[4]) << 8 | Int(bytes[5])
        guard minimumVersion >= 1, minimumVersion <= maximumVersion else {
            throw LinkError(.invalidInfo, "the card gives versions \(minimumVersion) to \(maximumVersion)")
        }
        let versions = minimumVersion...maximumVersion
        guard Self.isValid(versions: versions, maximumFragment: maximumFragment, maximumMessage: maximumMessage) else {
            throw LinkError(
                .invalidInfo,
                "the card gives a \(maximumFragment)-byte fragment and \(maximumMessage)-byte message limit; they must be 20…512 and 261…65535"
            )
        }
        self.versions = versions
        self.maximumFragment = maximumFragment
        self.maximumMessage = maximumMessage
        capabilities = LinkCapabilities(rawValue: bytes[6...9].reduce(0) { $0 << 8 | UInt32($1) })
    }

    /// The characteristic's value.
    public var bytes: [UInt8] {
        let raw = capabilities.rawValue
        return [
            versions.lowerBound, versions.upperBound,
            UInt8(maximumFragment >> 8), UInt8(maximumFragment & 0xFF),
            UInt8(maximumMessage >> 8), UInt8(maximumMessage & 0xFF),
            UInt8(raw >> 24), UInt8(raw >> 16 & 0xFF), UInt8(raw >> 8 & 0xFF), UInt8(raw & 0xFF),
        ]
    }

    /// The version to speak: the highest one both sides know. Throws `.unsupportedVersion` when the ranges do
    /// not meet. Every connection starts in version 1's framing; a later version, if chosen, is switched to by a
    /// message that version defines.
    public func negotiatedVersion(stationVersions: ClosedRange<UInt8> = protocolVersion...protocolVersion) throws(LinkError) -> UInt8 {
        let highest = min(versions.upperBound, stationVersions.upperBound)
        guard highest >= max(versions.lowerBound, stationVersions.lowerBound) else {
            let side = versions.lowerBound > stationVersions.upperBound ? "pivlink-station" : "pivlink-card"
            throw LinkError(
                .unsupportedVersion,
                "the card speaks link versions \(versions.lowerBound)…\(versions.upperBound), the station \(stationVersions.lowerBound)…\(stationVersions.upperBound): update \(side)"
            )
        }
        return highest
    }

    /// The fragment size of a link with this ATT MTU: min(MTU − 3, 512, maximum fragment). Both sides compute it
    /// from the same MTU. Throws `.mtuTooSmall` below 23.
    public func fragmentSize(forMTU mtu: Int) throws(LinkError) -> Int {
        min(try LinkFragment.size(forMTU: mtu), maximumFragment)
    }

    private static func isValid(versions: ClosedRange<UInt8>, maximumFragment: Int, maximumMessage: Int) -> Bool {
        versions.lowerBound >= 1
            && (LinkFragment.minimumSize...LinkFragment.maximumSize).contains(maximumFragment)
            && (minimumMessageLimit...LinkFrame.maximumPayloadLength).contains(maximumMessage)
    }
}
