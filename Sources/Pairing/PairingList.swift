/// The pairings one side keeps: a card's stations or a station's cards, in the order they were added.
///
/// Keys and fingerprints are unique in a list, so either names one pairing. The size is capped because a
/// station tries every card's token on every advertisement it hears (`AdvertisingTokenRecognizer`).
public struct PairingList: Hashable, Sendable {
    public static let maximumCount = 64
    /// The layout `Codable` writes and reads (docs/pairing-protocol.md, "Stored pairing lists").
    public static let encodingVersion = 1

    public private(set) var records: [PairingRecord] = []

    public init() {}

    /// A list of these records; a key listed twice is `.alreadyPaired` (a stored list never holds one twice).
    public init(_ records: [PairingRecord]) throws(PairingError) {
        for record in records {
            guard self.record(forPublicKey: record.publicKey) == nil else {
                throw PairingError(.alreadyPaired, "\(record.fingerprint) is listed twice")
            }
            try add(record)
        }
    }

    /// Adds a pairing. A key paired again (a ceremony completed anew: both users confirmed it) keeps its one
    /// record, with the new name, in its place; that is how a side that lost its half of a pairing recovers.
    public mutating func add(_ record: PairingRecord) throws(PairingError) {
        if let index = records.firstIndex(where: { $0.publicKey == record.publicKey }) {
            records[index] = record
            return
        }
        guard self.record(forFingerprint: record.fingerprint) == nil else {
            throw PairingError(.alreadyPaired, "another paired key has the fingerprint \(record.fingerprint); unpair it first")
        }
        guard records.count < Self.maximumCount else {
            throw PairingError(.tooManyPairings, "\(Self.maximumCount) pairings is the most kept; unpair one first")
        }
        records.append(record)
    }

    /// Removes and returns the pairing with this fingerprint.
    @discardableResult
    public mutating func remove(fingerprint: PairingFingerprint) throws(PairingError) -> PairingRecord {
        guard let index = records.firstIndex(where: { $0.fingerprint == fingerprint }) else {
            throw PairingError(.notPaired, "nothing is paired with fingerprint \(fingerprint); see the status for the paired ones")
        }
        return records.remove(at: index)
    }

    /// Removes and returns the pairing with this key.
    @discardableResult
    public mutating func remove(publicKey: PairingPublicKey) throws(PairingError) -> PairingRecord {
        try remove(fingerprint: publicKey.fingerprint)
    }

    public func record(forPublicKey key: PairingPublicKey) -> PairingRecord? {
        records.first { $0.publicKey == key }
    }

    public func record(forFingerprint fingerprint: PairingFingerprint) -> PairingRecord? {
        records.first { $0.fingerprint == fingerprint }
    }
}

extension PairingList: Codable {
    private enum CodingKeys: String, CodingKey {
        case version
        case pairings
    }

    private enum RecordKeys: String, CodingKey {
        case publicKey
        case name
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.encodingVersion, forKey: .version)
        var pairings = container.nestedUnkeyedContainer(forKey: .pairings)
        for record in records {
            var entry = pairings.nestedContainer(keyedBy: RecordKeys.self)
            try entry.encode(HexText.encode(record.publicKey.bytes), forKey: .publicKey)
            try entry.encode(record.name, forKey: .name)
        }
    }

    /// Reads version 1 only; a key that is not 64 hex digits of a valid key, a bad name or a duplicate is
    /// `.invalidPairingList` (the decoder's own errors pass through for JSON that is not this shape at all).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.encodingVersion else {
            throw PairingError(.invalidPairingList, "pairing list version \(version) is not supported (this build reads \(Self.encodingVersion))")
        }
        var pairings = try container.nestedUnkeyedContainer(forKey: .pairings)
        var records: [PairingRecord] = []
        while !pairings.isAtEnd {
            let entry = try pairings.nestedContainer(keyedBy: RecordKeys.self)
            let keyText = try entry.decode(String.self, forKey: .publicKey)
            let name = try entry.decode(String.self, forKey: .name)
            do throws(PairingError) {
                guard let keyBytes = HexText.decode(keyText) else {
                    throw PairingError(.invalidPublicKey, "a stored key is not hex")
                }
                records.append(try PairingRecord(publicKey: PairingPublicKey(bytes: keyBytes), name: name))
            } catch {
                throw PairingError(.invalidPairingList, "pairing \(records.count + 1) of the stored list is damaged: \(error.detail)")
            }
        }
        do throws(PairingError) {
            try self.init(records)
        } catch {
            throw PairingError(.invalidPairingList, "the stored pairing list is damaged: \(error.detail)")
        }
    }
}
