import Foundation
import PIVCard

/// The card's state as the credential store's payload: JSON with its own format number, so that a state
/// written by a newer pivlink-card is refused rather than misread, like the envelope around it.
public enum CardStateDocument {
    public static let format = 1

    private struct Document: Codable {
        var format: Int
        var state: CardState
    }

    public static func encode(_ state: CardState) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(Document(format: format, state: state)))
    }

    public static func decode(_ payload: [UInt8]) throws(CardDaemonError) -> CardState {
        struct Header: Decodable { var format: Int }
        let data = Data(payload)
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw CardDaemonError(.unreadableState, "the credential's state does not parse; restore it from a backup or run `pivlink-card init --force`")
        }
        guard header.format <= format else {
            throw CardDaemonError(.newerState, "the credential's state was written by a newer pivlink-card (state format \(header.format), this build reads up to \(format)): upgrade pivlink-card")
        }
        do {
            return try JSONDecoder().decode(Document.self, from: data).state
        } catch {
            throw CardDaemonError(.unreadableState, "the credential's state does not parse (\(error)); restore it from a backup or run `pivlink-card init --force`")
        }
    }
}
