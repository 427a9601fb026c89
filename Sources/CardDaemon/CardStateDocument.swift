import CardCrypto
import CredentialStore
import Foundation
import PIVCard

/// The credential store's payload: the card's PIV state and its pairings, as JSON with its own format number, so
/// that a document written by a newer pivlink-card is refused rather than misread, like the envelope around it.
///
/// Format 1 held the state alone. Format 2 adds `pairings`; it is a new format rather than an optional key in
/// format 1 because a pivlink-card that reads format 1 would drop an unknown key on its next save, and with it
/// the card's identity and every pairing. A format-1 document reads as one without pairings; the first
/// read-write open gives it an identity (`loadOrCreatePairings`) and writes it as format 2.
///
/// The whole document is always written at once, so saving the state keeps the pairings and the reverse.
public struct CardStateDocument: Sendable, Equatable {
    public static let format = 2

    public var state: CardState
    /// nil only for a document not yet given an identity (written in format 1).
    public var pairings: CardPairings?

    public init(state: CardState, pairings: CardPairings?) {
        self.state = state
        self.pairings = pairings
    }

    /// Reads formats 1 and 2.
    public init(decoding payload: [UInt8]) throws(CardDaemonError) {
        let data = Data(payload)
        try Self.checkFormat(of: data)
        do {
            let document = try JSONDecoder().decode(Stored.self, from: data)
            self.init(state: document.state, pairings: document.pairings)
        } catch {
            throw Self.unreadable(error)
        }
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Stored(format: Self.format, state: state, pairings: pairings)))
    }

    /// The document in `directory`, given an identity and written back first if it has none (a store written
    /// before pairing existed). `directory` must be open read-write for that.
    public static func loadOrCreatePairings(
        in directory: CredentialDirectory, random: some RandomSource
    ) throws -> CardStateDocument {
        try load(from: directory, givingIt: .generate(random: random))
    }

    /// The document in `directory`, given `newPairings` and written back first if it has no pairings. Taking the
    /// new pairings ready-made keeps the caller's random source out of a store that is shared between threads.
    static func load(from directory: CredentialDirectory, givingIt newPairings: CardPairings) throws -> CardStateDocument {
        var document = try CardStateDocument(decoding: directory.payload)
        if document.pairings == nil {
            document.pairings = newPairings
            try directory.write(try document.encoded())
        }
        return document
    }

    /// Only the pairings of `payload`: what saving the state needs, without rebuilding the state it replaces.
    static func pairings(in payload: [UInt8]) throws(CardDaemonError) -> CardPairings? {
        struct PairingsOnly: Decodable { var pairings: CardPairings? }
        let data = Data(payload)
        try checkFormat(of: data)
        do {
            return try JSONDecoder().decode(PairingsOnly.self, from: data).pairings
        } catch {
            throw unreadable(error)
        }
    }

    private struct Stored: Codable {
        var format: Int
        var state: CardState
        var pairings: CardPairings?
    }

    private static func checkFormat(of data: Data) throws(CardDaemonError) {
        struct Header: Decodable { var format: Int }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw CardDaemonError(.unreadableState, "the credential's state does not parse; restore it from a backup or run `pivlink-card init --force`")
        }
        guard header.format <= format else {
            throw CardDaemonError(.newerState, "the credential's state was written by a newer pivlink-card (state format \(header.format), this build reads up to \(format)): upgrade pivlink-card")
        }
    }

    /// The decoder's own text names the failing field and why; values it quotes are never the private key
    /// (`PairingIdentity` reports a bad key without its bytes).
    private static func unreadable(_ error: any Error) -> CardDaemonError {
        CardDaemonError(.unreadableState, "the credential's state does not parse (\(error)); restore it from a backup or run `pivlink-card init --force`")
    }
}
